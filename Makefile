# Everything a fresh machine needs is installed by these targets: a virtualenv
# with the Python deps, a Java 17 runtime, npm, Redis and (for tests) Chromium
# (apt-get, where missing), and
# DynamoDB Local and GraphiQL's browser files (from npm, sha256-checked, cached outside
# the repository).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
APT    := $(shell command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo) apt-get

.PHONY: install system-deps browser engine dev test lint typecheck bench schema lock clean

install: $(STAMP) system-deps engine

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

system-deps:
	@if ! command -v java >/dev/null 2>&1 || ! java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; then \
		echo "installing a Java 17 runtime"; \
		$(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq openjdk-17-jre-headless; \
	fi
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "installing npm"; \
		$(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq nodejs npm; \
	fi
	@if ! command -v redis-server >/dev/null 2>&1; then \
		echo "installing redis-server (subscriptions across processes; tests start their own)"; \
		$(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq redis-server; \
	fi

# Headless Chromium for the browser test; where it cannot be installed, that test is
# skipped and says why.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing chromium (for the browser test)"; \
		($(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq chromium) \
			|| echo "chromium could not be installed: the browser test will be skipped"; \
	fi

engine: $(STAMP) system-deps
	$(BIN)/tablegate install-engine
	$(BIN)/tablegate install-assets

# Keeps .dev-data between runs and seeds only an empty table: `make dev DEV_ARGS=--reset`
# starts over from the demo data (DEV_ARGS also takes --port, --host, --scale, --workers).
dev: install
	$(BIN)/tablegate dev $(DEV_ARGS)

test: install browser
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy server.py cli.py web schema resolvers loaders live data config dev
	$(BIN)/hadolint Dockerfile

typecheck: lint

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# The container's dependencies (pyproject's and the otel extra), pinned with their hashes
# for CPython 3.11 on every platform (the image runs on linux amd64 and arm64). Pins that
# pyproject still allows are kept: `make lock LOCK_ARGS=--upgrade` moves them all on.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra otel --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command 'make lock' --quiet $(LOCK_ARGS) -o requirements.lock

schema: $(STAMP)
	$(BIN)/tablegate export-schema > schema.graphql

clean:
	rm -rf $(VENV) .dev-data .pytest_cache .mypy_cache .ruff_cache *.egg-info
