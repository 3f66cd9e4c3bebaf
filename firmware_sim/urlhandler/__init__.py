"""pyserial URL handlers of the simulator (``locksim://NAME``).

pyserial imports ``<package>.protocol_<scheme>`` for each package listed in
``serial.protocol_handler_packages``; :func:`firmware_sim.inprocess.install_url_handler`
adds this package there.
"""
