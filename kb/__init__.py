"""Knowledge base built from the district's published plans: sources, parser, store, retrieval.

Nothing in this package imports Rasa: the operator CLI, the action server and the tests use it alike.
"""
