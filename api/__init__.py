"""The Flask application, its blueprints (kiosk, clerk, technician, REST) and the CLI."""
