"""Apply and check the Alembic migrations programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import registry.models  # noqa: F401

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply every migration. "heads": migrations written in parallel (each on its own branch from the same
    parent, touching its own tables) are all applied; a merge revision later joins them."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def pending_differences(engine: Engine) -> list:
    """Differences between the models and the migrated database (empty when they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)
