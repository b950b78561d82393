"""WeChat official account (微信公众号) channel: `/webhooks/wechat/webhook`.

WeChat's servers push every citizen message here as XML and wait at most five seconds for
the answer. What the channel guarantees (docs/wechat.md for operators; each module's
docstring for the details):

- **Authenticity** (inbound.py): signatures checked in constant time, a timestamp window,
  64 KB bodies at most, XML without DTDs or entities, safe-mode encryption.
- **The 5-second limit** (bridge.py): a reply ready in time is the passive reply; otherwise
  `success` at once and the reply through the customer-service API.
- **Late replies are not lost** (delivery.py): one retrying sender, per citizen in order,
  with backoff inside WeChat's 48-hour window; what still fails is logged without the text
  and kept for operators (counts on `GET /webhooks/wechat/`).
- **Exactly once, per citizen** (inbound.py, state.py): WeChat's retries are recognised and
  answered with the same reply; the state lives behind `WeChatState`, in this process by
  default (several Rasa processes would need a shared store: not done here).
- **WeChat's formats** (replies.py): text split at 2048 bytes, buttons as a numbered list
  (a bare number chooses) or a `msgmenu`.
- **Hand-off** (bridge.py): the ticket number always reaches the citizen, then
  `transfer_customer_service`.
- **Abuse** (state.py, bridge.py): a token bucket per openid; typed text never becomes an
  intent payload (bot/channels/inbound.py).
- **Never the error page**: 400 for malformed XML, 403 for a bad signature, `success` for
  anything unexpected.

Modules: config.py (`WeChatConfig`, the menu file), state.py, inbound.py, replies.py,
api.py (`WeChatApi`), delivery.py (`RetryingSender`), bridge.py (`WeChatBridge`),
channel.py (`WeChatInput`, the class bot/credentials.yml names), menu.py
(`daxing wechat-menu`). User-facing Chinese text comes from bot/domain/wechat.yml.
"""
from bot.channels.wechat.api import WeChatApi, WeChatApiError
from bot.channels.wechat.bridge import WeChatBridge
from bot.channels.wechat.channel import WeChatInput, domain_texts
from bot.channels.wechat.config import (
    CHANNEL_NAME,
    DEFAULT_API_BASE_URL,
    DEFAULT_MENU_FILE,
    ConfigurationError,
    WeChatConfig,
    click_payloads,
    load_click_payloads,
    read_menu_file,
)
from bot.channels.wechat.delivery import Delivery, DeliveryPolicy, RetryingSender, Undelivered
from bot.channels.wechat.inbound import (
    GREET_PAYLOAD,
    MAX_BODY_BYTES,
    UNSUPPORTED_PAYLOAD,
    VOICE_UNRECOGNISED_PAYLOAD,
    Incoming,
    RequestRejected,
    decode_post,
    wechat_signature,
)
from bot.channels.wechat.replies import (
    TEXT_LIMIT_BYTES,
    BotMessage,
    Button,
    Outcome,
    Reply,
    api_messages,
    outcome_from,
    plan_passive,
    split_utf8,
)
from bot.channels.wechat.state import InMemoryState, RateLimiter, TTLCache, WeChatState

__all__ = [
    "CHANNEL_NAME", "DEFAULT_API_BASE_URL", "DEFAULT_MENU_FILE", "GREET_PAYLOAD",
    "MAX_BODY_BYTES", "TEXT_LIMIT_BYTES", "UNSUPPORTED_PAYLOAD", "VOICE_UNRECOGNISED_PAYLOAD",
    "BotMessage", "Button", "ConfigurationError", "Delivery", "DeliveryPolicy",
    "InMemoryState", "Incoming", "Outcome", "RateLimiter", "Reply", "RequestRejected",
    "RetryingSender", "TTLCache", "Undelivered", "WeChatApi", "WeChatApiError",
    "WeChatBridge", "WeChatConfig", "WeChatInput", "WeChatState", "api_messages",
    "click_payloads", "decode_post", "domain_texts", "load_click_payloads", "outcome_from",
    "plan_passive", "read_menu_file", "split_utf8", "wechat_signature",
]
