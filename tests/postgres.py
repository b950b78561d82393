"""A throw-away local PostgreSQL cluster for tests (the logic lives in `ops.postgres`).

Tests that need PostgreSQL semantics (concurrency, locking, types SQLite lacks) get a
private cluster that lives only as long as the ``with`` block::

    @pytest.fixture(scope="session")
    def postgres_url() -> Iterator[str]:
        with local_postgres() as url:
            yield url

The production profile (`ops.profile`) uses the same code, so it lives in `ops/`;
this module keeps the imports the tests and benchmarks use working.
"""
from ops.postgres import (  # noqa: F401  (re-exported)
    DATABASE,
    PG_ROOT,
    START_TIMEOUT,
    SUPERUSER,
    SYSTEM_USER,
    TEST_SETTINGS,
    PostgresCluster,
    find_bindir,
    local_postgres,
)

__all__ = [
    "DATABASE",
    "PG_ROOT",
    "START_TIMEOUT",
    "SUPERUSER",
    "SYSTEM_USER",
    "TEST_SETTINGS",
    "PostgresCluster",
    "find_bindir",
    "local_postgres",
]
