# Set-up and everyday commands. `make brief` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch is pinned to the CPU build so pip never pulls the CUDA packages (see constraints.txt).
PIP    := $(BIN)/python -m pip install --quiet --constraint constraints.txt

# Quiet, deterministic, single-threaded runs on shared 2-core machines.
export OMP_NUM_THREADS ?= 1
export OMP_WAIT_POLICY ?= PASSIVE
export TOKENIZERS_PARALLELISM ?= false
export HF_HUB_DISABLE_PROGRESS_BARS ?= 1

.PHONY: brief test install install-dev clean

# Each step says what it does and about how long it takes: pip itself runs --quiet.
$(BIN)/python:
	@echo "==> creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	@echo "==> [1/2] installing torch 2.13.0, CPU build (about 1 minute)"
	$(PIP) torch==2.13.0
	@echo "==> [2/2] installing briefing and its dependencies (about 2 minutes)"
	$(PIP) --editable .
	@touch $@
	@echo "==> installed: $(BIN)/briefing"

$(VENV)/.installed-dev: $(VENV)/.installed
	@echo "==> installing the test dependencies (pytest, aiosmtpd, html5lib), ctranslate2 and ray for their tests (about a minute)"
	$(PIP) --editable '.[dev,ct2,ray]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Print the morning briefing for the sample articles in seeds/.
brief: install
	$(BIN)/briefing brief seeds/

## Run the whole test suite.
test: install-dev
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
