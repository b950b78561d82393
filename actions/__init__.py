"""Thin rasa-sdk actions; the logic they call lives in `kb/`, `activities/` and service modules."""
from activities.privacy import install_log_masking

# The action server imports this package first: mask phone numbers in all its logs.
install_log_masking()
