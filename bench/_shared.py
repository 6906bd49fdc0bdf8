"""Where benchmarks find the research data in ../shared (never shipped, never read by tests)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

SHARED = Path(os.environ.get("MISHU_SHARED") or Path(__file__).resolve().parents[2] / "shared")


def shared_data(name: str) -> Path | None:
    """The folder of a public data set under ../shared/data, or None with a message on stderr."""
    path = SHARED / "data" / name
    if not path.is_dir():
        print(f"skipping: {path} is absent (research data lives only in the workplace's shared/)", file=sys.stderr)
        return None
    return path
