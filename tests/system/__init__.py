"""System tests: the production profile (PostgreSQL, Redis, nginx, several servers) and the browser."""
