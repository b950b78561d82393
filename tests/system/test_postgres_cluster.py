"""The throw-away PostgreSQL cluster starts, serves SQLAlchemy, and leaves nothing behind."""
from __future__ import annotations

import os
from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa

from tests.postgres import local_postgres


def test_local_postgres_serves_sqlalchemy_and_is_gone_after_exit() -> None:
    with local_postgres() as url:
        socket_dir = parse_qs(urlparse(url).query)["host"][0]
        engine = sa.create_engine(url, future=True)
        try:
            with engine.begin() as conn:
                assert conn.execute(sa.text("select version()")).scalar_one().startswith(
                    "PostgreSQL"
                )
                assert conn.execute(sa.text("show max_connections")).scalar_one() == "300"
                conn.execute(sa.text("create table notes (id serial primary key, body text)"))
                conn.execute(sa.text("insert into notes (body) values (:b)"), {"b": "大兴区"})
            with engine.connect() as conn:
                assert conn.execute(sa.text("select body from notes")).scalars().all() == [
                    "大兴区"
                ]
        finally:
            engine.dispose()
        assert os.path.isdir(socket_dir)

    assert not os.path.exists(socket_dir)
