"""The production profile on one machine: PostgreSQL, Redis, N Rasa servers, M action
servers, the hand-off worker and nginx in front, all from Debian's packages.

The same topology as deploy/docker-compose.yml, started as local processes so that tests
(tests/system/test_production_profile.py) and developers can run it, kill parts of it and watch
the assistant cope::

    with ProductionProfile(rasa_servers=2, action_servers=2) as profile:
        profile.url                  # nginx: POST {url}/webhooks/rest/webhook
        profile.api_url              # nginx: the Rasa HTTP API (internal; ?token=profile.api_token)
        profile.kill_action_server(0); profile.restart_action_server(0)
        profile.restart_postgres(); profile.stop_redis(); profile.start_redis()

    python -m ops.profile --rasa 2 --actions 2      # until Ctrl-C; prints the URL (make profile)

`topology.py` holds the profile, `__main__.py` the command line.
"""
from ops.profile.topology import ProductionProfile, profile_endpoints

__all__ = ["ProductionProfile", "profile_endpoints"]
