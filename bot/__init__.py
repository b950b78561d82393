"""The Daxing government consultation assistant: domain, channels, stores and operator CLI.

Every process of the assistant imports this package early (the Rasa server loads its
channels, stores and NLU component from it; the action server, the hand-off worker and the
CLI read `bot.settings`), so this is where log masking is installed (bot/log_masking.py):
no phone number and no API token reaches a log line, whoever logs it.
"""
from bot import log_masking as _log_masking

_log_masking.install()
