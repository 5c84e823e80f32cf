# Vivid Studio. `make demo` sets everything up and renders the demo video;
# `make test` sets up and runs the test suite.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.vivid-installed
OUT    ?= out

.PHONY: setup demo test bench studio clean

setup: $(STAMP)

$(STAMP): pyproject.toml .ci/system-deps.sh
	bash .ci/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m avatar.driving.spring_kernel  # compile the spring bone kernels once (numba cache)
	touch $(STAMP)

demo: setup
	mkdir -p $(OUT)
	$(VENV)/bin/vivid demo -o $(OUT)/demo.mp4

test: setup
	$(PY) -m pytest -n 2 --dist loadfile

bench: setup
	$(VENV)/bin/vivid bench

studio: setup
	$(VENV)/bin/vivid studio

clean:
	rm -rf $(VENV) $(OUT) tests/artifacts tests/golden/_diff
