# The two promised commands: `make run` and `make test`. Both create .venv with python3 if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Running needs requirements.txt only; the tests and linters add requirements-dev.txt. Each set has
# a stamp named by its files' checksum, so an edited requirements file installs again.
RUNTIME_STAMP := $(VENV)/.installed-runtime-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: install install-dev browser run test lint bench contract goldens clean

# $(call venv_install,REQUIREMENTS_FILE,STAMP_KIND): pip is upgraded only in a new venv, so an
# installed set costs no network access.
define venv_install
	test -x $(BIN)/python || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install -q --upgrade pip; }
	$(BIN)/python -m pip install -q -r $(1)
	rm -f $(VENV)/.installed-$(2)-* && touch $@
endef

$(RUNTIME_STAMP): requirements.txt
	$(call venv_install,requirements.txt,runtime)

$(DEV_STAMP): requirements.txt requirements-dev.txt
	$(call venv_install,requirements-dev.txt,dev)

install: $(RUNTIME_STAMP)

install-dev: $(DEV_STAMP)

# The web server on 127.0.0.1:8000 plus a Celery worker with the beat scheduler, on the embedded
# defaults (SQLite file and filesystem broker under var/): no database or broker server needed.
# Stopping signals only the worker's main process: killing its pool children directly (`kill 0`)
# leaves the pool's queue lock held and the worker hanging at exit.
RUN_ADDR ?= 127.0.0.1:8000
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	@echo "Admin: http://$(RUN_ADDR)/admin/  (create a login: make superuser)"
	$(BIN)/celery -A gatewayz_site worker --beat --loglevel=INFO --concurrency=2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' INT TERM EXIT; \
	$(BIN)/python manage.py runserver --noreload $(RUN_ADDR)

run bench superuser: export DJANGO_DEBUG ?= true

superuser: install
	$(BIN)/python manage.py createsuperuser

# The browser tests need Debian's chromium and chromium-driver: installed here when missing.
browser:
	.ci/install-browser

test: install-dev browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Rewrite the adapters' golden outputs and docs/gateways.md from the code; review the diff after.
goldens: install-dev
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/gateways/test_adapter_contract.py tests/gateways/test_openrouter_endpoints.py
	DJANGO_DEBUG=true $(BIN)/python manage.py gateway_docs

contract: install-dev
	$(BIN)/python ../shared/tools/contract_check.py --python $(BIN)/python

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf var staticfiles .pytest_cache
