"""Production deployment: docker-compose/nginx files and a one-machine production profile.

`deploy.profile.ProductionProfile` starts the whole production topology (PostgreSQL, Redis,
several Rasa and action servers, the hand-off worker, nginx) from Debian's packages on one
machine; `deploy/docker-compose.yml` and `deploy/nginx.conf` describe the same topology for
real deployments (docs/production.md).
"""
