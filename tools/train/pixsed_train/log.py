"""The trainer's progress lines: `[train] ...` on stdout, flushed (training runs for minutes)."""
from __future__ import annotations


def log(msg: str) -> None:
    print(f"[train] {msg}", flush=True)
