"""Run one benchmark: `python -m bench NAME` imports `bench.NAME` and calls its `main()`.

Each benchmark prints what it is doing and, as its last line, one JSON object of named figures.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def _names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] not in _names():
        print(f"usage: python -m bench NAME [ARGS]; NAME is one of: {', '.join(_names())}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bench.{argv[0]}")
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
