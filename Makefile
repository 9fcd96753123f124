# Qingdan — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
THREADS ?= 8
PYTEST_WORKERS ?= 2

.PHONY: run test venv test-venv system-deps lint check bench messages clean

$(BIN)/.installed-run: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

$(BIN)/.installed-test: requirements-test.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements-test.lock
	touch $@ $(BIN)/.installed-run

venv: $(BIN)/.installed-run
test-venv: $(BIN)/.installed-test

run: venv
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py load_demo --if-empty
	$(BIN)/python manage.py collectstatic --noinput -v0
	@$(BIN)/python manage.py demo_accounts
	@echo "Serving Qingdan on http://$(HOST):$(PORT)/  (Ctrl-C stops)"
	$(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --worker-class gthread --workers $(WORKERS) --threads $(THREADS) \
		--access-logfile - --log-level warning

# Debian packages the tests need: chromium for browser tests, CJK fonts for PDFs and screenshots.
system-deps:
	@bash scripts/system-deps.sh

test: test-venv system-deps
	$(BIN)/python manage.py collectstatic --noinput -v0
	DATABASE_URL="$${TEST_DATABASE_URL:-}" $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -q $(PYTEST_ARGS)

lint: test-venv
	$(BIN)/ruff check .

check: test-venv
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	QINGDAN_ENV=production DJANGO_SECRET_KEY=ci-$$(head -c 96 /dev/urandom | base64 | tr -dc A-Za-z0-9) \
		DJANGO_ALLOWED_HOSTS=qingdan.example.gov.cn SUPERVISION_IDENTITY_KEY=ci-key $(BIN)/python manage.py check --deploy --fail-level WARNING

bench: test-venv
	$(BIN)/python -m bench

messages: test-venv
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --no-obsolete -i ".venv/*" -i "staticfiles/*" -i "var/*"
	$(BIN)/python manage.py compilemessages -i ".venv" -i "staticfiles"

clean:
	rm -rf $(VENV) staticfiles var
