PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-unit install install-test clean bench messages sounds reliability reliability-crash \
	reliability-faults reliability-load reliability-fuzz

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip >/dev/null

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install -e . >/dev/null
	touch $@

$(VENV)/.installed-test: $(BIN)/activate pyproject.toml
	$(BIN)/pip install -e '.[test]' >/dev/null
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/locker demo

# Everything: the folders of tests/ and the doctests of the packages, on $(WORKERS) workers
# (pytest-xdist; a module's tests stay on one worker, so a module's server is started once).
WORKERS ?= 2
test: install-test
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadfile $(PYTEST_ARGS)

# The fast part: pure unit tests (the doctests start threads and servers, so they run in `make test`).
test-unit: install-test
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/demo

# Collect the pages' strings into both catalogs (sorted by msgid, so parallel additions merge);
# then fill in every new msgstr, vi and en (tests/unit/test_console_catalogs.py checks).
messages: install
	mkdir -p var
	$(BIN)/pybabel extract -F api/babel.cfg -k _l -k lazy_gettext -k N_ -k bi --no-location --sort-output -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d api/translations --no-fuzzy-matching --ignore-obsolete

# The kiosk's spoken prompts and cues (api/kiosk/sounds.py): needs espeak-ng, sox and opusenc
# (Debian: apt-get install espeak-ng sox opus-tools); the files are committed.
sounds: install
	$(BIN)/python -m api.kiosk.sounds

# The long forms of the reliability suites (docs/RELIABILITY.md); their short forms run in `make test`.
reliability-crash: install-test
	$(BIN)/python -m tests.reliability.crash --kills $(or $(KILLS),200) --seed $(or $(SEED),1)

reliability-faults: install-test
	FAULT_MATRIX=1 $(BIN)/python -m pytest -q -rf tests/e2e/test_fault_matrix.py

reliability-load: install-test
	$(BIN)/python -m tests.reliability.load --clients 100 --seconds 60 --db sqlite
	$(BIN)/python -m tests.reliability.load --clients 100 --seconds 60 --db postgresql

reliability-fuzz: install-test
	FUZZ_PROFILE=long $(BIN)/python -m pytest -q tests/unit/test_fuzz_frames.py tests/unit/test_fuzz_scanner.py \
		tests/unit/test_fuzz_config.py tests/unit/test_fuzz_input_rules.py tests/integration/test_api_fuzz.py

reliability: reliability-crash reliability-faults reliability-load reliability-fuzz
