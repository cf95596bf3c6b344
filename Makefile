# One command each on a fresh clone: the first call builds .venv from requirements.txt.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Quiet pip: this machine's pip config lists local wheel folders that do not all exist.
PIP    := $(BIN)/pip --disable-pip-version-check -q
QUIET  := { grep -v "is ignored: it is neither a file nor a directory" || true; }
SHELL  := bash
.SHELLFLAGS := -eo pipefail -c

.PHONY: env test book bench clean

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt 2>&1 | $(QUIET)
	$(PIP) install --no-deps -e . 2>&1 | $(QUIET)
	$(BIN)/python -c "import w2vcnn, torch, keras, gensim, jupyter_book"
	touch $@

test: $(STAMP)
	W2VCNN_PROFILE=quick $(BIN)/python -m pytest -q -ra tests

book: $(STAMP)
	$(BIN)/jupyter-book build -W --keep-going .

bench: $(STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf _build .pytest_cache
