"""Custom Rasa input channels, enabled in bot/credentials.yml."""
