"""The models and the migrations describe the same schema, on SQLite and on PostgreSQL."""

from registry.db import make_engine
from registry.migrate import pending_differences, upgrade


def test_models_match_migrations(any_db_url):
    engine = make_engine(any_db_url)
    upgrade(engine)
    assert pending_differences(engine) == []
    upgrade(engine)  # applying again is a no-op
    engine.dispose()
