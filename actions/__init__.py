"""Thin rasa-sdk actions; the logic they call lives in `kb/` and service modules."""
