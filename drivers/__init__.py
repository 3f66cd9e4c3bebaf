"""Hardware adapters for lock boards and scanners, usable as a library of their own.

Every serial port opens through :func:`serial.serial_for_url`; nothing here knows
about dossiers, compartments, Flask or SQLAlchemy.

* :mod:`drivers.families`: the facts of every board family, stated once (pure Python)
* :mod:`drivers.protocol`: ``BoardProtocol``, ``BoardStatus``, ``get_protocol(name)``
* :mod:`drivers.kerong`: the Kerong CU16 frames and ``KerongFrameDecoder`` (bytes only)
* :mod:`drivers.line`: ``SerialLine``, a port and its request/answer transaction
* :mod:`drivers.bus`: ``LockBusDriver``, the one thread that owns an RS485 bus
* :mod:`drivers.events`: what the bus tells its listener
* :mod:`drivers.scanner`: ``LineSplitter`` (bytes to codes) and ``LineScanner`` (thread);
  :mod:`drivers.scanner_models`: the command sets by name, one module each
* :mod:`drivers.errors`: ``DriverError`` and its subclasses
"""
