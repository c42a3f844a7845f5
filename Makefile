# Two commands on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PERSONS ?= 2000


.PHONY: setup run test lint migrate demo clean

setup: $(VENV)/.installed node_modules/.installed var/.static

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

var/.static: $(VENV)/.installed node_modules/.installed $(shell find src/tongxin -path '*/static/*' -o -name '*.po' 2>/dev/null)
	mkdir -p var
	cd src/tongxin && ../../$(BIN)/tongxin compilemessages -v 0
	$(BIN)/tongxin collectstatic --noinput -v 0
	touch $@

migrate: setup
	$(BIN)/tongxin migrate --noinput -v 0

demo: migrate
	$(BIN)/tongxin demo --if-empty --persons $(PERSONS) --seed 1

run: demo
	TONGXIN_DEMO=$${TONGXIN_DEMO:-1} $(BIN)/tongxin serve --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) node_modules var/.static var/static
