"""`python -m ops.profile --rasa 2 --actions 2`: the production profile until Ctrl-C
(`make profile`); prints where to reach it and warns when a component exits."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Optional

from bot.settings import PROJECT_ROOT, load_settings
from ops.profile.topology import ProductionProfile


def main(argv: Optional[list[str]] = None) -> int:
    """Run the profile until SIGINT/SIGTERM; exit code 1 when it could not start."""
    parser = argparse.ArgumentParser(
        prog="python -m ops.profile",
        description="Run the production profile (PostgreSQL, Redis, N Rasa servers, M action "
        "servers, hand-off worker, nginx) on this machine until Ctrl-C.",
    )
    parser.add_argument("--rasa", type=int, default=2, help="Rasa servers (default 2)")
    parser.add_argument("--actions", type=int, default=2, help="action servers (default 2)")
    parser.add_argument("--sanic-workers", type=int, default=1, help="Sanic workers per Rasa server")
    parser.add_argument("--port", type=int, default=8080, help="nginx's public port (0: a free one)")
    parser.add_argument(
        "--log-dir", type=Path, default=PROJECT_ROOT / "var" / "profile-logs",
        help="where the components' logs go (default var/profile-logs)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    stop_requested = False

    def request_stop(signum: int, _frame: Optional[FrameType]) -> None:
        nonlocal stop_requested
        stop_requested = True

    profile = ProductionProfile(
        rasa_servers=args.rasa,
        action_servers=args.actions,
        sanic_workers=args.sanic_workers,
        public_port=args.port,
        log_dir=args.log_dir,
        log_level=load_settings().log_level,
    )
    print(f"Starting the production profile ({args.rasa} Rasa, {args.actions} action servers)…", flush=True)
    try:
        profile.start()
    except RuntimeError as error:  # StartupError included
        print(f"error: {error}", file=sys.stderr)
        return 1
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, request_stop)
    print(
        f"\nProduction profile up ({profile.describe_timings()}):\n"
        f"  REST:        POST {profile.url}/webhooks/rest/webhook  "
        '(JSON: {"sender": "me", "message": "你好"})\n'
        f"  widget demo: {profile.url}/widget/demo\n"
        f"  socket.io:   {profile.url}/socket.io\n"
        f"  Rasa API:    {profile.api_url}  (internal; ?token= from {profile.settings.api_token_file}"
        " or RASA_API_TOKEN)\n"
        f"  console:     {profile.console_url}  (staff only; accounts: daxing staff add, DATABASE_URL as above)\n"
        f"  PostgreSQL:  {profile.database_url}\n"
        f"  Redis:       {profile.lock_store_url}\n"
        f"  logs:        {profile.log_dir}\n"
        "Ctrl-C stops everything.\n",
        flush=True,
    )
    reported: set[str] = set()
    try:
        while not stop_requested:
            for name in set(profile.crashed_components()) - reported:
                print(f"warning: {name} exited; see {profile.log_dir}/{name}.log", file=sys.stderr, flush=True)
                reported.add(name)
            time.sleep(0.5)
    finally:
        print("Stopping…", flush=True)
        profile.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
