"""Alembic environment. Called by registry.migrate (with a connection) or by the alembic CLI."""

import os

from alembic import context
from sqlmodel import SQLModel

import registry.models  # noqa: F401  (registers every table on SQLModel.metadata)
from registry.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _run(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things in place
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = os.environ.get("COI_DATABASE_URL", "sqlite:///instance/coi.sqlite")
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
