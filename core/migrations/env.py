"""Alembic environment: migrates only our tables, never Rasa's tracker-store tables.

The one module of `core` allowed to import other packages of ours: Alembic compares the
database with the metadata of every table, so it imports each package's models (`kb_`,
`act_`, `ho_` tables), which register themselves on `core.db.Base.metadata`. Nothing imports
this module; `core.db.migrate` runs it (tests/unit/test_layers.py and `.importlinter` list
this exception).
"""
from __future__ import annotations

from alembic import context

from activities import models as activity_models  # noqa: F401  (registers act_ tables)
from core.db import VERSION_TABLE, Base
from handoff import models as handoff_models  # noqa: F401  (registers ho_ tables)
from kb import models  # noqa: F401  (registers kb_ tables)
from staff import models as staff_models  # noqa: F401  (registers st_ tables)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
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
