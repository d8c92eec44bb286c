"""PostgreSQL: the role the app connects as, with the rights it needs and no more.

The database's owner runs the migrations, so owns every table and the triggers that keep the audit log
append-only. The app connects as another role that may read and write the register's tables but only INSERT
and SELECT the audit log: it cannot UPDATE, DELETE or TRUNCATE it, and, owning nothing, cannot drop or disable
the triggers either. (Whoever owns the database still can: the log's signatures and anchors, which need a key
that is not in the database, are what show that - registry.services.audit.)
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Engine

AUDIT_TABLE = "auditevent"
READ_ONLY_TABLES = {"alembic_version"}  # the app reads which migrations ran; only the owner applies them
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleError(ValueError):
    """The roles cannot be set up as asked; the message says why."""


def grant_app_role(engine: Engine, app_role: str, password: str | None = None) -> list[str]:
    """Create APP_ROLE if missing and grant it exactly the app's rights. Returns what was done, line by line."""
    if engine.dialect.name != "postgresql":
        raise RoleError("Only PostgreSQL has roles: on SQLite, protect the database file and the instance folder")
    if not ROLE_NAME.match(app_role):
        raise RoleError(f"{app_role!r} is not a plain role name (lower-case letters, digits and _)")
    done = []
    with engine.begin() as connection:
        owner = connection.execute(
            text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = :table"),
            {"table": AUDIT_TABLE},
        ).scalar()
        if owner is None:
            raise RoleError("The audit table does not exist yet: run `coi init-db` first, as the database's owner")
        if owner == app_role:
            raise RoleError(
                f"{app_role} owns the tables: the app must connect as a role that does not (the owner "
                f"could drop the audit log's triggers)"
            )
        existing = connection.execute(
            text("SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = :role"), {"role": app_role}
        ).first()
        if existing is None:
            connection.execute(text(f'CREATE ROLE "{app_role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE'))
            done.append(f"Created role {app_role}.")
        elif any(existing):
            raise RoleError(
                f"{app_role} is a superuser or may create roles: it could change anything; use a plain role"
            )
        if password is not None:
            quoted = connection.execute(text("SELECT quote_literal(:password)"), {"password": password}).scalar()
            connection.execute(text(f'ALTER ROLE "{app_role}" PASSWORD {quoted}'))
            done.append(f"Set {app_role}'s password.")
        database = connection.execute(text("SELECT current_database()")).scalar()
        tables = (
            connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))
            .scalars()
            .all()
        )
        statements = [
            f'GRANT CONNECT ON DATABASE "{database}" TO "{app_role}"',
            f'GRANT USAGE ON SCHEMA public TO "{app_role}"',
            f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{app_role}"',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app_role}"',
        ]
        for table in tables:
            if table == AUDIT_TABLE:
                rights = "SELECT, INSERT"
            elif table in READ_ONLY_TABLES:
                rights = "SELECT"
            else:
                rights = "SELECT, INSERT, UPDATE, DELETE"
            statements.append(f'GRANT {rights} ON TABLE public."{table}" TO "{app_role}"')
        for statement in statements:
            connection.execute(text(statement))
        done.append(
            f"{app_role} may read and write the register's {len(tables) - 2} other tables, read "
            f"alembic_version, and only INSERT and SELECT {AUDIT_TABLE} (owned, with its triggers, by "
            f"{owner})."
        )
    return done
