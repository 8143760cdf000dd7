# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install clean

install: $(STAMP)

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# -qq: errors only. setuptools' editable-install notice and the host's pip configuration
	# warnings are not for the user of `make run`.
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/newsflow run seeds/

# Two test processes, each test file in one of them: most slow tests wait on subprocesses (Prefect
# servers, runs killed and rerun), so two files at a time take 9 minutes where one took 13.
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

clean:
	rm -rf data .pytest_cache
