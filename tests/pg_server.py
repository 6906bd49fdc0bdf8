"""A throwaway PostgreSQL server for tests: Debian's binaries, a temp data directory, a free port.

`.ci/test.sh` starts one and sets MISHU_TEST_POSTGRES_URL; a plain `pytest` run starts its own here.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresServer:
    """initdb + pg_ctl start on 127.0.0.1; `url` is a plain postgresql:// URL; `stop()` removes it all."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self.settings = dict(settings or {})  # extra server settings (-c name=value), e.g. shared_buffers
        self.bin = self._find_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="mishu-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def _find_bin() -> Path:
        found = shutil.which("initdb")
        if found:
            return Path(found).resolve().parent
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not candidates:
            raise RuntimeError(
                "PostgreSQL is not installed: run `apt-get install -y postgresql` "
                "or set MISHU_TEST_POSTGRES_URL to a server the tests may use"
            )
        return Path(candidates[-1]).parent

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.folder, user="postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l", str(self.folder / "log"), "start")
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    # `python tests/pg_server.py start` prints the URL and the folder (for .ci/test.sh); `stop FOLDER` stops it.
    import sys

    if sys.argv[1] == "start":
        server = PostgresServer().start()
        print(server.url, server.folder)
    else:
        server = PostgresServer.__new__(PostgresServer)
        server.bin = PostgresServer._find_bin()
        server.folder = Path(sys.argv[2])
        server.data = server.folder / "data"
        server.stop()
