# Two commands do all set-up on a fresh clone: `make chat` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: chat test test-fast eval fit bench install index clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: an unpinned torch would pull several GB of CUDA packages.
$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(INSTALLED)

# Idempotent: embeds only new or changed files, so it is cheap when the index is current.
index: install
	$(PY) ingest.py seeds

# The demo corpus's own example questions; any other corpus gets general ones.
chat: index
	RAG_EXAMPLES_FILE=$${RAG_EXAMPLES_FILE-seeds-examples.txt} $(PY) -m ui

# The seed sets, then CMRC 2018's validation split (text nobody here wrote; ../shared beside the clone).
eval: index
	$(PY) -m rag.eval --qa eval/qa_dev.jsonl --out reports/dev
	$(PY) -m rag.eval --qa eval/qa_dev2.jsonl --out reports/dev2
	$(PY) -m rag.eval --qa eval/qa_holdout.jsonl --out reports/holdout
	$(PY) -m rag.cmrc --split validation --out reports/cmrc/validation
	$(PY) -m rag.eval --corpus reports/cmrc/validation/docs --qa reports/cmrc/validation/qa.jsonl --out reports/cmrc-validation
	$(PY) -m rag.eval --corpus reports/cmrc/validation/docs --qa reports/cmrc/validation/qa_translated.jsonl --out reports/cmrc-validation-en-vi

# Refit the answer model (rag/data/answer_model.json) from CMRC 2018 (some questions also in
# English and Vietnamese: eval/cmrc_translations.jsonl) and eval/qa_dev.jsonl.
fit: install
	$(PY) -m rag.fit

bench: install
	$(PY) -m rag.bench --out reports/bench

# The browser test drives Debian's Chromium (no browser download); CJK fonts make its screenshots
# legible, and the PDF test writes Chinese (and "•", which only DejaVu has) with them.
FONTS := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
/usr/bin/chromium $(FONTS):
	apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-wqy-zenhei fonts-dejavu-core

test: install /usr/bin/chromium $(FONTS)
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not slow and not browser"

clean:
	rm -rf .rag reports
