"""Activity sessions (open days, policy lectures) and citizens' applications: plain Python, no Rasa."""
