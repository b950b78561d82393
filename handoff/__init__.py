"""Hand-off to people: tickets with transcripts, and their delivery to the 12345 hotline system."""
