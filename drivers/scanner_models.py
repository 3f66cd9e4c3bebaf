"""The scanner command sets by name (the ``[scanner] model`` setting), one module each.

Every model says how to switch reading on and off, how to trigger a read, and how
to turn the scanner's bytes into codes (plus any answer the host owes it). The
byte strings come from ``/work/shared/PROTOCOLS.md`` ("QR and barcode scanners")
unless a docstring marks them as an assumption; those are constructor options so
that commissioning can correct them without a code change. Pure Python: the
configuration asks this module which models exist and which take settings.

>>> model = get_model("datalogic")
>>> model.enable_command(), model.disable_command(), model.trigger_command()
(b'E', b'D', b'T')
>>> get_model("line").enable_command() is None
True
>>> SETTING_MODELS
('honeywell', 'newland')
"""

from __future__ import annotations

from .scanner_datalogic import DatalogicModel
from .scanner_honeywell import HoneywellModel
from .scanner_lines import Decoded, LineDecoder, LineSplitter, ScannerModel, clean
from .scanner_newland import NewlandModel
from .scanner_zebra import SSIDecoder, ZebraSSIModel, ssi_checksum, ssi_packet

__all__ = ["MODELS", "SETTING_MODELS", "DatalogicModel", "Decoded", "HoneywellModel", "LineDecoder",
           "LineSplitter", "NewlandModel", "ScannerModel", "SSIDecoder", "ZebraSSIModel", "clean", "get_model",
           "ssi_checksum", "ssi_packet"]

MODELS: dict[str, type[ScannerModel]] = {
    cls.name: cls for cls in (ScannerModel, HoneywellModel, ZebraSSIModel, NewlandModel, DatalogicModel)}
#: Models whose start and stop of reading are menu settings the configuration may change.
SETTING_MODELS = tuple(name for name, cls in MODELS.items() if cls.takes_settings)


def get_model(name: str, **options) -> ScannerModel:
    """The command set called ``name``: line, honeywell, zebra-ssi, newland or datalogic.

    >>> get_model("zebra-ssi").enable_command().hex(" ")
    '04 e9 04 00 ff 0f'
    >>> get_model("newland", enable_setting="x")
    Traceback (most recent call last):
    ...
    ValueError: not a Newland command: 'x'
    """
    cls = MODELS.get(name)
    if cls is None:
        raise ValueError(f"unknown scanner model {name!r}; known: {', '.join(MODELS)}")
    return cls(**options)
