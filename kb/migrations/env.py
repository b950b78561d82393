"""Alembic environment: migrates only our tables, never Rasa's tracker-store tables."""
from __future__ import annotations

from alembic import context

from activities import models as activity_models  # noqa: F401  (registers act_ tables)
from handoff import models as handoff_models  # noqa: F401  (registers ho_ tables)
from kb import models  # noqa: F401  (registers the tables on Base.metadata)
from kb.db import VERSION_TABLE, Base


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    return not (type_ == "table" and reflected and compare_to is None)


def run_migrations() -> None:
    engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            version_table=VERSION_TABLE,
            include_object=include_object,
            render_as_batch=True,
        )
        context.run_migrations()


run_migrations()
