"""The production profile as the system tests start it: one per test module, no hotline."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ops.profile import ProductionProfile


@contextmanager
def running_profile(tmp_path_factory: pytest.TempPathFactory, logs: str, action_servers: int) -> Iterator[ProductionProfile]:
    """Two Rasa servers and `action_servers` action servers, logs in a temporary `logs` folder;
    stopped when the block ends."""
    running = ProductionProfile(
        rasa_servers=2,
        action_servers=action_servers,
        log_dir=tmp_path_factory.mktemp(logs),
        # Whatever earlier tests of this session put in the environment: no hotline here.
        env={"HOTLINE_WEBHOOK_URL": "", "HOTLINE_WEBHOOK_SECRET": ""},
    )
    running.start()
    print(f"\nproduction profile up: {running.describe_timings()}; logs in {running.log_dir}")
    try:
        yield running
    finally:
        running.stop()
