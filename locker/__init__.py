"""The dossier locker domain: compartments, dossiers, credentials, the audit log,
the state machines and the services that run the drop-off and pickup flows.

This package defines the ports it needs (lock bus, scanner, notifier, clock) and
imports neither Flask, pyserial nor gpiozero.
"""
