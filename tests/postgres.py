"""A throw-away local PostgreSQL cluster for tests, built from Debian's server binaries.

Tests that need PostgreSQL semantics (concurrency, locking, types SQLite lacks) get a
private cluster that lives only as long as the ``with`` block: no shared server, no
leftover state between runs. Typical use from a fixture::

    @pytest.fixture(scope="session")
    def postgres_url() -> Iterator[str]:
        with local_postgres() as url:
            yield url

The binaries come from the ``postgresql`` Debian package, which ``make setup``
(scripts/install-system-packages.sh) installs.
"""
from __future__ import annotations

import logging
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

PG_ROOT = Path("/usr/lib/postgresql")
DATABASE = "daxing_test"
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"  # created by the Debian package; initdb refuses to run as root
START_TIMEOUT = 60

# Durability is worthless for a cluster deleted after the tests, and costs time on every
# commit; 300 connections leave headroom for tests with 200 concurrent clients.
TEST_SETTINGS = {
    "listen_addresses": "''",  # unix socket only: nothing to collide with on TCP
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "128MB",
    "logging_collector": "off",
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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def _wait_until_ready(runner: _Runner, socket_dir: Path, port: int, log_file: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        ready = runner.run(
            "pg_isready", "-q", "-h", str(socket_dir), "-p", str(port), "-U", SUPERUSER,
            check=False,
        )
        if ready.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"PostgreSQL did not accept connections within {START_TIMEOUT}s. "
                f"Server log:\n{_tail(log_file)}"
            )
        time.sleep(0.05)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as error:
        return f"(no log: {error})"


@contextmanager
def local_postgres(base_dir: Path | None = None) -> Iterator[str]:
    """Start a private PostgreSQL cluster and yield a SQLAlchemy URL to its test database.

    The cluster listens on a unix socket in its own directory (created under ``base_dir``,
    default the system temp dir); it is stopped and the directory removed on exit.
    """
    bindir = find_bindir()
    workdir = _make_workdir(base_dir)
    data_dir = workdir / "data"
    log_file = workdir / "server.log"
    port = _free_port()
    socket_path = workdir / f".s.PGSQL.{port}"
    runner = _Runner(bindir, workdir)
    started = False
    try:
        if len(str(socket_path)) > _MAX_SOCKET_PATH:
            raise RuntimeError(
                f"Socket path {socket_path} is longer than {_MAX_SOCKET_PATH} bytes: "
                "use a shorter base_dir."
            )
        began = time.monotonic()
        runner.run(
            "initdb", "-D", str(data_dir), "-U", SUPERUSER, "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )
        settings = {**TEST_SETTINGS, "port": str(port), "unix_socket_directories": f"'{workdir}'"}
        with open(data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# tests/postgres.py: throw-away test cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        started = True  # from here on, a failure must still try to stop the server
        runner.run(
            "pg_ctl", "start", "-D", str(data_dir), "-l", str(log_file),
            "-w", "-t", str(START_TIMEOUT),
        )
        _wait_until_ready(runner, workdir, port, log_file)
        runner.run("createdb", "-h", str(workdir), "-p", str(port), "-U", SUPERUSER, DATABASE)
        log.debug("PostgreSQL test cluster up in %.2fs at %s", time.monotonic() - began, workdir)
        yield f"postgresql+psycopg2://{SUPERUSER}@/{DATABASE}?host={workdir}&port={port}"
    finally:
        try:
            if started:
                _stop(runner, data_dir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def _stop(runner: _Runner, data_dir: Path) -> None:
    """Stop fast (disconnect clients, no checkpoint wait); fall back to immediate."""
    if not (data_dir / "postmaster.pid").exists():
        return
    fast = runner.run("pg_ctl", "stop", "-D", str(data_dir), "-m", "fast", "-w", check=False)
    if fast.returncode != 0:
        log.warning("pg_ctl stop -m fast failed: %s%s", fast.stdout, fast.stderr)
        runner.run("pg_ctl", "stop", "-D", str(data_dir), "-m", "immediate", "-w", check=False)
