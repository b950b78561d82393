"""Thin rasa-sdk actions; the logic they call lives in `kb/`, `activities/` and service modules."""
from bot import log_masking

# The action server imports this package first: mask phone numbers (and secrets) in every
# log line it writes (importing `bot` installs it already; said here so it is not lost).
log_masking.install()
