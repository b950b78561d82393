"""A private PostgreSQL cluster built from Debian's server binaries.

Used by the tests (`tests/postgres.py` re-exports `local_postgres`) and by the production
profile (`ops.profile`), which also stops, starts and restarts it to show that the
assistant survives a database restart. The cluster lives in its own directory and listens
on a unix socket only; nothing is shared with a system PostgreSQL. Typical use::

    with local_postgres() as url:
        ...                          # a SQLAlchemy URL to a fresh database

    cluster = PostgresCluster().start()
    cluster.restart()                # clients see their connections dropped
    cluster.stop()                   # and the directory removed

The binaries come from the ``postgresql`` Debian package, which ``make setup``
(scripts/install-system-packages.sh) installs.
"""
from __future__ import annotations

import logging
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

from ops.supervisor import free_port

log = logging.getLogger(__name__)

PG_ROOT = Path("/usr/lib/postgresql")
DATABASE = "daxing_test"
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"  # created by the Debian package; initdb refuses to run as root
START_TIMEOUT = 60

# Durability is worthless for a cluster deleted after use, and costs time on every
# commit; 300 connections leave headroom for tests with 200 concurrent clients.
TEST_SETTINGS = {
    "listen_addresses": "''",  # unix socket only: nothing to collide with on TCP
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "128MB",
    "logging_collector": "off",
    # No values in the server log: psycopg2 sends statements with their values inlined (a
    # phone number in a failed INSERT), and DETAIL lines quote keys ("Key (phone)=(…)").
    "log_error_verbosity": "terse",
    "log_min_error_statement": "panic",
    "timezone": "'UTC'",
}

# sun_path is 108 bytes on Linux, including the terminating NUL.
_MAX_SOCKET_PATH = 107


def find_bindir() -> Path:
    """The bin directory of the newest installed PostgreSQL server, or RuntimeError."""
    candidates = []
    for bindir in PG_ROOT.glob("*/bin"):
        version = bindir.parent.name
        if re.fullmatch(r"\d+(\.\d+)?", version) and all(
            (bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")
        ):
            candidates.append((tuple(int(part) for part in version.split(".")), bindir))
    if not candidates:
        raise RuntimeError(
            f"PostgreSQL server binaries not found under {PG_ROOT}/<version>/bin. "
            "Run `make setup` (it calls scripts/install-system-packages.sh, which installs "
            "the Debian package 'postgresql')."
        )
    return max(candidates)[1]


class _Runner:
    """Runs the server binaries as the current user, or as `postgres` when we are root."""

    def __init__(self, bindir: Path, workdir: Path) -> None:
        self.bindir = bindir
        self.workdir = workdir
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(SYSTEM_USER)
            except KeyError:
                raise RuntimeError(
                    f"Running as root, but the system user {SYSTEM_USER!r} does not exist; "
                    "it is created by the Debian 'postgresql' package: run `make setup`."
                ) from None
            runuser = shutil.which("runuser")
            if runuser is None:
                raise RuntimeError("Running as root, but `runuser` (util-linux) is missing.")
            self.prefix = [runuser, "-u", SYSTEM_USER, "--"]

    def run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [*self.prefix, str(self.bindir / tool), *args]
        # cwd: the postgres user may not be allowed into the caller's directory.
        result = subprocess.run(
            command,
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}"
            )
        return result


def _make_workdir(base_dir: Path | None) -> Path:
    """A fresh directory the server user owns: data directory, socket and log live here."""
    parent = Path(base_dir) if base_dir is not None else Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="daxing-pg-", dir=parent))
    if os.geteuid() == 0:
        user = pwd.getpwnam(SYSTEM_USER)
        os.chown(workdir, user.pw_uid, user.pw_gid)
        # pytest's /tmp/pytest-of-root is mode 700: the postgres user cannot get in there.
        reachable = subprocess.run(
            ["runuser", "-u", SYSTEM_USER, "--", "test", "-w", str(workdir)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )
        if reachable.returncode != 0:
            shutil.rmtree(workdir, ignore_errors=True)
            raise RuntimeError(
                f"The {SYSTEM_USER!r} user cannot write to {workdir}: pick a base_dir whose "
                "parents it can enter (the default, the system temp dir, works)."
            )
    return workdir


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as error:
        return f"(no log: {error})"


class PostgresCluster:
    """One throw-away cluster: `start()` creates it, `stop()` removes it; in between it can
    be stopped and started again (`stop_server`, `start_server`, `restart`) with its data.
    """

    def __init__(self, base_dir: Path | None = None, database: str = DATABASE) -> None:
        self.base_dir = base_dir
        self.database = database
        self.workdir: Optional[Path] = None
        self.port = 0
        self._runner: Optional[_Runner] = None
        self._created = False

    @property
    def data_dir(self) -> Path:
        assert self.workdir is not None, "cluster not started"
        return self.workdir / "data"

    @property
    def log_file(self) -> Path:
        assert self.workdir is not None, "cluster not started"
        return self.workdir / "server.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the cluster's database (psycopg2, over the unix socket)."""
        assert self.workdir is not None, "cluster not started"
        return (
            f"postgresql+psycopg2://{SUPERUSER}@/{self.database}"
            f"?host={self.workdir}&port={self.port}"
        )

    def start(self) -> "PostgresCluster":
        """Create the cluster and its database and start the server; on failure clean up."""
        bindir = find_bindir()
        self.workdir = _make_workdir(self.base_dir)
        self.port = free_port()
        self._runner = _Runner(bindir, self.workdir)
        socket_path = self.workdir / f".s.PGSQL.{self.port}"
        try:
            if len(str(socket_path)) > _MAX_SOCKET_PATH:
                raise RuntimeError(
                    f"Socket path {socket_path} is longer than {_MAX_SOCKET_PATH} bytes: "
                    "use a shorter base_dir."
                )
            began = time.monotonic()
            self._runner.run(
                "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "-A", "trust",
                "-E", "UTF8", "--locale=C", "--no-sync",
            )
            settings = {
                **TEST_SETTINGS,
                "port": str(self.port),
                "unix_socket_directories": f"'{self.workdir}'",
            }
            with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
                conf.write("\n# ops/postgres.py: throw-away cluster\n")
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
            self._created = True  # from here on, a failure must still try to stop the server
            self.start_server()
            self._runner.run(
                "createdb", "-h", str(self.workdir), "-p", str(self.port), "-U", SUPERUSER,
                self.database,
            )
            log.debug("PostgreSQL cluster up in %.2fs at %s", time.monotonic() - began, self.workdir)
            return self
        except BaseException:
            self.stop()
            raise

    def start_server(self) -> None:
        """Start the (created, stopped) server and wait until it accepts connections."""
        assert self._runner is not None, "cluster not created"
        self._runner.run(
            "pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file),
            "-w", "-t", str(START_TIMEOUT),
        )
        self._wait_until_ready()

    def stop_server(self) -> None:
        """Stop fast (disconnect clients, no checkpoint wait); fall back to immediate."""
        if self._runner is None or not (self.data_dir / "postmaster.pid").exists():
            return
        fast = self._runner.run(
            "pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", check=False
        )
        if fast.returncode != 0:
            log.warning("pg_ctl stop -m fast failed: %s%s", fast.stdout, fast.stderr)
            self._runner.run(
                "pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w", check=False
            )

    def restart(self) -> None:
        """Stop and start again on the same socket: every client connection is dropped."""
        self.stop_server()
        self.start_server()

    def is_running(self) -> bool:
        if self._runner is None:
            return False
        return self._pg_isready().returncode == 0

    def stop(self) -> None:
        """Stop the server and remove its directory (data included)."""
        try:
            if self._created:
                self.stop_server()
        finally:
            if self.workdir is not None:
                shutil.rmtree(self.workdir, ignore_errors=True)
            self._created = False
            self._runner = None

    def _pg_isready(self) -> subprocess.CompletedProcess:
        assert self._runner is not None and self.workdir is not None
        return self._runner.run(
            "pg_isready", "-q", "-h", str(self.workdir), "-p", str(self.port), "-U", SUPERUSER,
            check=False,
        )

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while self._pg_isready().returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"PostgreSQL did not accept connections within {START_TIMEOUT}s. "
                    f"Server log:\n{_tail(self.log_file)}"
                )
            time.sleep(0.05)


@contextmanager
def local_postgres(base_dir: Path | None = None) -> Iterator[str]:
    """Start a private PostgreSQL cluster and yield a SQLAlchemy URL to its database.

    The cluster listens on a unix socket in its own directory (created under ``base_dir``,
    default the system temp dir); it is stopped and the directory removed on exit.
    """
    cluster = PostgresCluster(base_dir).start()
    try:
        yield cluster.url
    finally:
        cluster.stop()
