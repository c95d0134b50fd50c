# Zalo An ninh — the index of commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.10 2>/dev/null || echo python3)
VENV   := .venv
BIN    := $(VENV)/bin
RASA   := $(BIN)/python -m devtools.rasa_cli
MODEL  := models/zalo-an-ninh.tar.gz
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
# Rasa 3.6 uses pre-2.0 SQLAlchemy APIs (pinned below 2): SQLAlchemy's own switch for its banner
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

TRAINING_INPUTS := config.yml domain.yml $(shell find data content/lexicon content/places.yml components -type f \( -name '*.yml' -o -name '*.txt' -o -name '*.py' \) 2>/dev/null)
# and the helper modules our NLU components import (the same list their model fingerprint covers)
TRAINING_INPUTS += $(shell $(PYTHON) -m anninh.fingerprint components.vi_tokenizer components.lexicon_entity_extractor 2>/dev/null)

.PHONY: help install lock run shell train validate test test-unit test-conversations test-nlu bench lexicon clean

help:
	@echo "make run       install everything, train if needed, start the assistant on http://localhost:5005"
	@echo "make shell     chat with the assistant in this terminal"
	@echo "make test      run the whole test suite (what CI runs)"
	@echo "make validate  check the catalogue and training data (file, entry and field of each problem)"
	@echo "make train     train the model (only if data, config or domain changed)"
	@echo "make bench     print accuracy, speed and memory figures"
	@echo "make lexicon   add compound words found in the training data to content/lexicon/compounds.txt"

$(BIN)/.installed: pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --group dev -c requirements.lock
	@touch $@

install: $(BIN)/.installed

lock: ## regenerate requirements.lock from pyproject.toml's dependency groups
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --group dev
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^pkg_resources' > requirements.lock

$(MODEL): $(BIN)/.installed $(TRAINING_INPUTS)
	@mkdir -p models
	$(RASA) train --fixed-model-name zalo-an-ninh --out models --quiet

train: $(MODEL)

validate: install
	$(BIN)/python -m anninh.validate
	$(BIN)/python scripts/build_compounds.py --check
	$(RASA) data validate --fail-on-warnings --quiet

run: train
	@mkdir -p var
	bash scripts/run.sh

shell: train
	@mkdir -p var
	bash scripts/run.sh shell

lexicon: install
	$(BIN)/python scripts/build_compounds.py

test: validate train
	bash scripts/test.sh

bench: train
	$(BIN)/python bench/run_bench.py
	$(BIN)/python bench/masking_bench.py
	$(BIN)/python bench/store_bench.py
	$(BIN)/python scripts/eval_multiturn.py --min-full 0
	$(BIN)/python scripts/eval_multiturn.py --min-full 0 --data tests/multiturn_fresh.yml
	$(BIN)/python bench/console_bench.py
	$(BIN)/python bench/dialogue_bench.py
	$(BIN)/python bench/figures_bench.py
	$(BIN)/python bench/zalo_nodes.py

clean:
	rm -rf models results var .pytest_cache
