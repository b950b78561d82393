"""The Daxing government consultation assistant: domain, channels, stores and operator CLI."""
