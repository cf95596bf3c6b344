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

.PHONY: env test book bench clean notebooks lab

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt 2>&1 | $(QUIET)
	$(PIP) install --no-deps -e . 2>&1 | $(QUIET)
	$(BIN)/python -c "import w2vcnn, torch, keras, gensim, jupyter_book"
	touch $@

# The browser check of the built site drives Debian's chromium (playwright's own download is not
# available offline). Installing it needs root, as in CI; elsewhere install it once by hand.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	if [ "$$(id -u)" = 0 ]; then export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }; \
	else echo "note: $(CHROMIUM) missing; run 'sudo apt-get install chromium' for the browser test"; fi

# The unit and bad-input tests on one worker per core (a file per worker at a time); then the
# whole-book builds (marked book) one at a time, as each trains and executes on every core itself
# (and what reads their runs).
test: $(STAMP) $(CHROMIUM)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	W2VCNN_PROFILE=quick $(BIN)/python -m pytest -q -ra --durations=10 -n auto --dist loadfile -m "not book" tests
	W2VCNN_PROFILE=quick $(BIN)/python -m pytest -q -ra --durations=10 -m book tests

# First every run the chapters use, trained in parallel (one process per core) and cached; then the
# chapters execute, reading those runs, one kernel per core (jupyter-book itself executes one at a
# time, and finds them executed). Executed notebooks are cached by their text only, so when the
# profile, the package's code or the set of runs changed, the pages are built afresh (about a minute)
# rather than showing old numbers.
PROFILE ?= $(or $(W2VCNN_PROFILE),full)
# CONFIG: another _config.yml, e.g. the published site's (see notebooks.publish_config)
CONFIG ?=
# VECTORS: your own word2vec file (e.g. GoogleNews-vectors-negative300.bin.gz) in place of our
# skip-gram vectors in every chapter (runs cached under its content; each page names it)
VECTORS ?=
# DATASETS: what every chapter runs on, in place of ours: known names (mr, trec, ...: see
# `python -m w2vcnn datasets`) or paths of your files (a CSV with text and label columns,
# "label text" lines, or a folder or archive laid out like one of Kim's datasets), separated by
# spaces; each is checked before anything trains, and each page names them
DATASETS ?=
ABSOLUTE = $(foreach d,$(1),$(if $(wildcard $(d)),$(abspath $(d)),$(d)))
BOOK_ENV := W2VCNN_PROFILE=$(PROFILE) $(if $(VECTORS),W2VCNN_VECTORS="$$(realpath -m -- '$(VECTORS)')") \
	$(if $(DATASETS),W2VCNN_DATASETS="$(call ABSOLUTE,$(DATASETS))")
book: $(STAMP)
	$(BOOK_ENV) $(BIN)/python -m w2vcnn study
	inputs=$$($(BOOK_ENV) $(BIN)/python -c "from w2vcnn import build, profile; print(build.inputs_digest(profile.current()))"); \
	if [ "$$inputs" != "$$(cat _build/.inputs 2>/dev/null)" ]; then rm -rf _build; mkdir -p _build; echo "$$inputs" > _build/.inputs; fi
	$(BOOK_ENV) $(BIN)/python -m w2vcnn chapters
	$(BOOK_ENV) $(BIN)/jupyter-book build -W --keep-going $(if $(CONFIG),--config $(CONFIG)) .
	$(BOOK_ENV) $(BIN)/python -m w2vcnn cache

# Each chapter as a notebook (for Colab and Jupyter): its first cell installs the package from
# repository.url of CONFIG (the published site's configuration; see notebooks.publish_config).
notebooks: $(STAMP)
	$(BIN)/python -m w2vcnn notebooks notebooks $(if $(CONFIG),--config $(CONFIG))

# The chapters as notebooks in JupyterLab, in this project's .venv (jupytext opens the MyST files).
lab: $(STAMP)
	$(PIP) install -e ".[lab]" 2>&1 | $(QUIET)
	$(BIN)/jupyter lab book

# every measurement but benchmarks/reproduce.py, which compares two builds' data folders you name
bench: $(STAMP)
	@for script in $(filter-out benchmarks/reproduce.py,$(wildcard benchmarks/*.py)); do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf _build .pytest_cache
