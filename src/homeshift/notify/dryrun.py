"""Dry run: write each message as an RFC 5322 ``.eml`` file instead of sending it."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

NOTICE_HEADER = "X-Homeshift-Notice"


class EmlDirectory:
    """A transport that files messages as ``<out>/wave-<n>/<kind>__<recipient>.eml``."""

    dry_run = True

    def __init__(self, out_dir: str | Path) -> None:
        self.out_dir = Path(out_dir)
        self.written: list[Path] = []

    def path_for(self, message: EmailMessage) -> Path:
        notice = str(message.get(NOTICE_HEADER, ""))
        fields = dict(part.split("=", 1) for part in notice.split(";") if "=" in part)
        wave = _slug(fields.get("wave", "0"))
        name = f"{_slug(fields.get('kind', 'message'))}__{_slug(str(message['To']))}.eml"
        return self.out_dir / f"wave-{wave}" / name

    def send(self, message: EmailMessage) -> int:
        path = self.path_for(message)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".eml.tmp")
        tmp.write_bytes(message.as_bytes(policy=SMTP))
        tmp.replace(path)  # never leave a half-written file behind
        self.written.append(path)
        return 1


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]+", "_", text).strip("_") or "_"
