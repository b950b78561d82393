# The one list of commands. README and CI use these targets; `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
DAXING := $(VENV)/bin/daxing
INSTALLED := $(VENV)/.installed

# Rasa 3.6 runs on Python 3.10 only: take python3.10 from PATH, pyenv or the system.
find_python310 = for c in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	  if "$$c" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then echo "$$c"; break; fi; done

.PHONY: help setup run shell train validate lint test test-unit test-integration test-e2e test-system test-conversations bench profile gazetteer nginx-conf lock clean

help: ## Show the commands
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

setup: $(INSTALLED) ## Install Debian packages the tests need (PostgreSQL), create .venv (Python 3.10) with the pinned packages

$(INSTALLED): pyproject.toml constraints.txt scripts/install-system-packages.sh widget/package-lock.json
	scripts/install-system-packages.sh
	@py=$$($(find_python310)); \
	if [ -z "$$py" ]; then echo "Python 3.10 not found. Rasa 3.6 needs exactly 3.10: install it (e.g. 'pyenv install 3.10') and retry." >&2; exit 1; fi; \
	[ -x $(PY) ] || "$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@command -v npm >/dev/null || { echo "npm not found: the web widget needs Node.js/npm (e.g. apt-get install npm)." >&2; exit 1; }
	if [ -f widget/package-lock.json ]; then npm ci --prefix widget --no-audit --no-fund; else npm install --prefix widget --no-audit --no-fund; fi
	@touch $@

run: setup ## Train if needed and run the assistant (REST + socketio on BOT_PORT, default 5005)
	$(DAXING) run

shell: setup ## Chat with the assistant in the terminal
	$(DAXING) shell

train: setup ## Train the model if config, domain or data changed
	$(DAXING) train

validate: setup ## Validate domain and training data (warnings fail)
	$(DAXING) validate

# ruff: pyflakes and syntax errors ([tool.ruff]); mypy: core, kb, activities, handoff, staff ([tool.mypy]
# files); lint-imports: the layers of .importlinter. All three read pyproject.toml / .importlinter.
lint: setup ## Lint: ruff, mypy (core, kb, activities, handoff, staff), import layers (.importlinter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: setup lint ## Run everything: lint, data validation, training, pytest, conversation tests
	$(DAXING) validate
	$(DAXING) train
	$(PY) -m pytest --durations=15 || [ $$? -eq 5 ]
	$(DAXING) test-conversations

# The four pytest tiers (tests/<tier>/, marked by tests/conftest.py); `make test` runs them all.
test-unit: setup ## Unit tests: one module, no model, no servers (seconds)
	$(PY) -m pytest tests/unit

test-integration: train ## Integration tests: SQLite and PostgreSQL, the CLI, the trained model in-process, one component with its stand-in
	$(PY) -m pytest tests/integration

test-e2e: train ## End-to-end tests: the running assistant over REST, socketio and WeChat
	$(PY) -m pytest tests/e2e

test-system: train ## System tests: the production profile (PostgreSQL, Redis, nginx) and the widget in Chromium
	$(PY) -m pytest tests/system

test-conversations: setup ## Replay tests/conversations against the trained model
	$(DAXING) test-conversations

bench: setup train ## Latency, KB accuracy, sign-up concurrency and load (1 vs 2 workers) figures, each beside its baseline
	$(PY) bench/latency.py
	$(PY) bench/kb_accuracy.py
	$(PY) bench/signup_concurrency.py
	$(PY) bench/load.py --seconds 60 --citizens 16,64 --workers 1,2

profile: setup ## Run the production profile here (PostgreSQL, Redis, 2 Rasa + 2 action servers, nginx) until Ctrl-C
	$(PY) -m ops.profile --rasa 2 --actions 2

lock: setup ## Re-pin constraints.txt from the current environment
	@{ sed -n '1,2p' constraints.txt; $(PY) -m pip freeze --exclude-editable; } > constraints.new && mv constraints.new constraints.txt

clean: ## Remove trained models, the database and caches (keeps .venv)
	rm -rf models var .rasa .pytest_cache

gazetteer: setup ## Regenerate the jieba dictionary and NLU synonyms from kb/data/gazetteer.yml
	$(DAXING) gazetteer

nginx-conf: setup ## Regenerate deploy/nginx.conf (docker-compose) from ops/nginx.conf.j2, the template the profile uses too
	$(PY) -m ops.nginx
