"""The audit log's head leaves the machine: signed with an Ed25519 key kept outside the
database, appended to a file (JSON lines) and sent as the webhook event ``audit.head``.
A database owner who rewrites the chain (and recomputes every hash) is caught by
:func:`check_against`: the exported head no longer matches the chain.

Each line is ``{"seq", "hash", "time", "public_key", "signature"}``; the signature is
over ``locker-audit-head-v1|<seq>|<hash>|<time>`` (hex, like the public key).

>>> import tempfile, os
>>> from locker.db import Database
>>> from locker.ports import SystemClock
>>> from locker.audit import record
>>> folder = tempfile.mkdtemp(); db = Database("sqlite://"); db.upgrade(); clock = SystemClock()
>>> key = load_or_create_signing_key(os.path.join(folder, "audit.key"))
>>> exporter = HeadExporter(db=db, key=key, path=os.path.join(folder, "heads.jsonl"), clock=clock)
>>> with db.session() as s:
...     _ = record(s, "door_opened", actor="system", compartment="A01", clock=clock)
>>> exporter.export()["seq"], exporter.export()
(1, None)
>>> with db.session() as s:
...     check_against(s, os.path.join(folder, "heads.jsonl"), key.public_key())
[]
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from .audit import VerifyReport, iso, last_verified, remember_verified, verify_chain
from .errors import ConfigError
from .models import AuditEvent, AuditHead
from .models_webhooks import AuditMark
from .ports import Clock
from .webhooks.events import AUDIT_HEAD
from .webhooks.outbox import enqueue
from .worker import PeriodicWorker

log = logging.getLogger(__name__)
KEY = "audit.signing_key_file"
EXPORTED = "exported"


def load_or_create_signing_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """The Ed25519 key (PEM, PKCS#8), created with mode 0600 if missing, like the secret file."""
    p = Path(path)
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption())
        try:
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    try:
        key = serialization.load_pem_private_key(p.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(KEY, f"cannot read an Ed25519 private key from {p}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(KEY, f"{p} does not hold an Ed25519 key")
    return key


def public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def _message(seq: int, digest: str, time: str) -> bytes:
    return f"locker-audit-head-v1|{seq}|{digest}|{time}".encode("ascii")


def signed_head(key: Ed25519PrivateKey, seq: int, digest: str, time: str) -> dict[str, Any]:
    return {"seq": seq, "hash": digest, "time": time, "public_key": public_hex(key.public_key()),
            "signature": key.sign(_message(seq, digest, time)).hex()}


class HeadExporter:
    """``export()`` appends the head when it moved since the last export; ``start()`` does it
    every ``interval`` seconds on a thread, and ``stop()`` once more."""

    def __init__(self, *, db: Any, key: Ed25519PrivateKey, path: str, clock: Clock, interval: float = 3600.0) -> None:
        self.db = db
        self.key = key
        self.path = Path(path)
        self.clock = clock
        self.interval = interval
        self._worker = PeriodicWorker(name="locker-audit-head", job=self.export, interval_s=interval,
                                      first_after_s=interval, log=log, failed="audit head export failed")
        self._lock = threading.Lock()

    def export(self) -> dict[str, Any] | None:
        """The line written, or None when the head has not moved."""
        with self._lock, self.db.session() as s:
            head = s.get(AuditHead, 1)
            mark = s.get(AuditMark, EXPORTED)
            if head.seq == 0 or (mark is not None and mark.seq == head.seq and mark.hash == head.hash):
                return None
            now = self.clock.now()
            line = signed_head(self.key, head.seq, head.hash, iso(now))
            self._append(line)  # the file first: a failed commit only repeats a line
            if mark is None:
                s.add(AuditMark(name=EXPORTED, seq=head.seq, hash=head.hash, time=now))
            else:
                mark.seq, mark.hash, mark.time = head.seq, head.hash, now
            enqueue(s, AUDIT_HEAD, line, when=now, now=now, ordering=AUDIT_HEAD)
            return line

    def _append(self, line: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line, separators=(",", ":")) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def start(self) -> None:
        """Export now (what happened while the service was down shows at once), then every interval;
        an export that failed is tried again at the next one."""
        self._worker.run_now()
        self._worker.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._worker.stop(timeout)
        self._worker.run_now()


def check_against(s: Session, path: str | os.PathLike[str], public_key: Ed25519PublicKey) -> list[str]:
    """Problems found comparing every exported head with the chain (empty: all still on it)."""
    problems: list[str] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        return [f"cannot read {path}: {exc}"]
    for n, text in enumerate(lines, 1):
        if text.strip():
            problem = _check_line(s, text, public_key)
            if problem:
                problems.append(f"line {n}: {problem}")
    return problems


def _check_line(s: Session, text: str, public_key: Ed25519PublicKey) -> str:
    try:
        line = json.loads(text)
        seq, digest, time, sig = int(line["seq"]), str(line["hash"]), str(line["time"]), str(line["signature"])
        public_key.verify(bytes.fromhex(sig), _message(seq, digest, time))
    except InvalidSignature:
        return "the signature does not hold (not signed by this locker's key, or the line was changed)"
    except (ValueError, KeyError, TypeError) as exc:
        return f"not an exported head: {exc}"
    row = s.execute(select(AuditEvent.hash).where(AuditEvent.seq == seq)).scalar_one_or_none()
    if row is None:
        return f"event {seq} is no longer in the audit log"
    if row != digest:
        return f"event {seq} has hash {row[:12]}… but {digest[:12]}… was exported: the chain was rewritten"
    return ""


def verify_from_last(s: Session, *, clock: Clock) -> VerifyReport:
    """Verify only the events after the last verified one (:func:`locker.audit.last_verified`,
    itself checked unchanged first); a good run moves the mark to the head."""
    report = verify_chain(s, after=last_verified(s))
    if report.ok:
        remember_verified(s, report, at=clock.now())
    return report
