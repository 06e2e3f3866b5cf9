# Two commands for a newcomer: `make plan STACK=dev` and `make test`.
# Both create .venv from uv.lock (every dependency pinned, with hashes) when it is missing
# or stale. uv comes from PATH, else it is installed once into .tools/ at UV_VERSION.

PYTHON     ?= python3
UV_VERSION := 0.13.8
VENV       := .venv
BIN        := $(VENV)/bin
STAMP      := $(VENV)/.installed
STACK      ?= dev
UV         ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
# The system's certificate store, as pip uses it (corporate proxies, CI runners with their own CA).
export UV_NATIVE_TLS ?= 1

.PHONY: test plan check diff estimate bench docs schema readme lock install clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# --locked: uv.lock must match pyproject.toml (run `make lock` after changing dependencies).
# --compile-bytecode, as pip does: with PYTHONDONTWRITEBYTECODE set (CI, these machines) every
# new process would otherwise compile pulumi-aws's modules from source again.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --all-extras --compile-bytecode --python $(PYTHON) --quiet
	touch $(STAMP)

install: $(STAMP)

lock: | $(UV)
	$(UV) lock

test: $(STAMP)
	$(BIN)/python -m pytest -q

plan: $(STAMP)
	$(BIN)/webstack synth -s $(STACK)

check: $(STAMP)
	$(BIN)/webstack check -s $(STACK)

diff: $(STAMP)
	$(BIN)/webstack diff $(A) $(B)

estimate: $(STAMP)
	$(BIN)/webstack estimate -s $(STACK)

# Benchmarks of the offline plan and policy check for every stack (benchmarks/README.md).
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Regenerates the Args/outputs tables in docs/ from the component schema.
docs: $(STAMP)
	$(BIN)/python docs/generate.py

# Rewrites infra/stack.schema.json (the editor schema of the stack files) from the Args.
schema: $(STAMP)
	$(BIN)/python -m infra.schema

# Regenerates the README's generated blocks (counts, sample outputs) from the code.
readme: $(STAMP)
	$(BIN)/python docs/readme.py

clean:
	rm -rf $(VENV) .tools build *.egg-info .pytest_cache
