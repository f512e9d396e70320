# The two commands of the README: `make run` and `make test`.
# Each creates the virtualenv on first use and installs the project into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CONFIG ?= $(if $(wildcard config.toml),config.toml,)

.PHONY: run test demo lint clean

$(BIN)/alertbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

run: $(BIN)/alertbot
	$(BIN)/alertbot $(if $(CONFIG),--config $(CONFIG),) run

demo: $(BIN)/alertbot
	$(BIN)/alertbot demo

lint: $(BIN)/alertbot
	$(BIN)/ruff check bot subscriptions tests bench

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
