"""Developer helper: `python -m storage.revision "message"` autogenerates a migration against a scratch SQLite."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import Connection

from storage.db import Database
from storage.migrate import alembic_config, upgrade


async def _revision(message: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'scratch.db'}")
        await upgrade(db)

        def run(connection: Connection) -> None:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=True)

        async with db.engine.begin() as conn:
            await conn.run_sync(run)
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(_revision(sys.argv[1] if len(sys.argv) > 1 else "change"))
