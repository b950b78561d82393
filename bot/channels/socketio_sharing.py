"""Socket.io emits shared between Rasa processes through Redis (python-socketio's
`AsyncRedisManager`), for the widget channel (`bot.channels.widget.WidgetSocketIOInput`):
with several Rasa processes, a reply run by one of them (a staff reply through the HTTP API's
`execute`) reaches the socket connected to another. Without LOCK_STORE_URL: nothing changes.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional
from urllib.parse import urlsplit, urlunsplit

from socketio import AsyncRedisManager

from bot.lock_store import redis_options

log = logging.getLogger(__name__)


# The Redis pub/sub channel the Rasa processes share socket.io emits on (its key prefix
# from LOCK_STORE_URL, "daxing" by default, then "-socketio"). Pub/sub channels ignore the
# database number: two deployments sharing one Redis need different key_prefix values.
SOCKETIO_CHANNEL_SUFFIX = "-socketio"
# How long an emit may wait for Redis before it is given up (logged; the local delivery
# has happened already): a staff reply must not hang on a Redis that does not answer.
SOCKETIO_PUBLISH_TIMEOUT_SECONDS = 3.0


class _SharedEmits(AsyncRedisManager):
    """python-socketio's Redis manager with a bound on how long publishing an emit may take."""

    async def _publish(self, data: Any) -> Any:
        try:
            return await asyncio.wait_for(super()._publish(data), SOCKETIO_PUBLISH_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            log.error("socket.io: Redis did not take an emit within %.0f s; other Rasa processes "
                      "miss it", SOCKETIO_PUBLISH_TIMEOUT_SECONDS)
            self.connected = False  # reconnect for the next one
            return None


def socketio_manager(lock_store_url: str) -> Optional[AsyncRedisManager]:
    """The socket.io client manager for the Redis of `lock_store_url` (LOCK_STORE_URL).

    Input: the lock store URL (``redis[s]://[user:password@]host[:port][/db][?socket_timeout=…
    &key_prefix=…]``), or "". Output: None without a URL (python-socketio's in-memory manager
    stays: one process); else an `AsyncRedisManager` on that Redis (the URL's query dropped:
    its socket_timeout would end the subscription every few idle seconds), channel
    "<key_prefix>-socketio", so that an emit to a room in one Rasa process reaches the client
    connected to another (a staff reply run through the HTTP API by any server). Connecting
    waits at most the URL's socket_timeout (default 3 s). Errors: `LockStoreConfigurationError`
    for a URL that is not redis:// or rediss://, as the lock store says at startup.
    """
    if not lock_store_url:
        return None
    options = redis_options(lock_store_url)
    parts = urlsplit(lock_store_url)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{options['db']}", "", ""))
    return _SharedEmits(
        url,
        channel=f"{options['key_prefix']}{SOCKETIO_CHANNEL_SUFFIX}",
        logger=log,
        redis_options={"socket_connect_timeout": options["socket_timeout"], "socket_keepalive": True},
    )


def share_emits(sio: Any, manager: Optional[AsyncRedisManager]) -> None:
    """Make `manager` the client manager of the socket.io server `sio` (None: leave it).

    Only before the first connection: python-socketio initialises its manager (for Redis:
    starts the subscription) on the first Engine.IO connect (`manager_initialized`).
    """
    if manager is None:
        return
    if sio.manager_initialized:
        raise RuntimeError("the socket.io server already has clients: too late to change its manager")
    manager.set_server(sio)
    sio.manager = manager
