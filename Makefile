# Two commands for a newcomer: `make plan STACK=dev` and `make test`.
# Both create .venv and install the project into it when it is missing or stale.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STACK  ?= dev

.PHONY: test plan check diff estimate bench docs schema install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

plan: $(STAMP)
	$(BIN)/webstack synth $(STACK)

check: $(STAMP)
	$(BIN)/webstack check $(STACK)

diff: $(STAMP)
	$(BIN)/webstack diff $(A) $(B)

estimate: $(STAMP)
	$(BIN)/webstack estimate $(STACK)

# Benchmarks of the offline plan and policy check for every stack (benchmarks/README.md).
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Regenerates the Args/outputs tables in docs/ from the component schema.
docs: $(STAMP)
	$(BIN)/python docs/generate.py

# Rewrites infra/stack.schema.json (the editor schema of the stack files) from the Args.
schema: $(STAMP)
	$(BIN)/python -m infra.schema

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
