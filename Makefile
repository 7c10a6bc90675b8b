# Every target creates (or reuses) its own virtual environment from pyproject.toml.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The IAM action list (git-ignored). An editable install's build writes it (setup.py); written here too, because
# an installer may reuse an editable build it cached and a checkout may have lost the file since.
ACTIONS := preflight/aws/iam-actions.txt.gz

.PHONY: demo test package bench lint clean docs sandbox

STATE ?= compliant

# Some machines (this project's CI among them) set PYTHONDONTWRITEBYTECODE: every Python process would compile
# the project's modules again, and pytest rewrite every test module's asserts again, in each worker.
unexport PYTHONDONTWRITEBYTECODE

# uv installs the project's dependencies in ~25 s where pip takes ~60 s (measured on a clean machine); pip
# does it if uv cannot be had.
$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet --disable-pip-version-check uv \
	  && PYTHONWARNINGS=ignore $(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) --upgrade pip -e '.[dev]' \
	  || PYTHONWARNINGS=ignore $(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(PY) -m preflight.aws.iam_actions
	touch $(STAMP)

$(ACTIONS): | $(STAMP)
	$(PY) -m preflight.aws.iam_actions

demo: $(STAMP) $(ACTIONS)
	$(PY) -m tools.demo

test: $(STAMP) $(ACTIONS)
	$(PY) -m pytest

sandbox: $(STAMP) $(ACTIONS)
	$(PY) -m tools.sandbox $(STATE)

package: $(STAMP)
	$(PY) -m tools.package

bench: $(STAMP) $(ACTIONS)
	$(PY) -m tools.bench

docs: $(STAMP)
	$(PY) -m tools.checks_doc

lint: $(STAMP)
	$(VENV)/bin/ruff check --select F,E9 preflight checks sim tools tests
	$(VENV)/bin/mypy
	$(VENV)/bin/cfn-lint cfn/*.yaml $$(find examples -name "*.yaml")

clean:
	rm -rf $(VENV) dist build *.egg-info
