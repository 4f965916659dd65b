# The two commands of the README: `make demo` and `make test`.
# Each creates .venv and installs what it needs on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
DEMO_DIR ?= 演示县

.PHONY: demo test bench clean fonts pdf-tools chromium

# Debian packages, installed only when missing: a CJK font so charts never
# show tofu (fonts-noto-cjk); LibreOffice and poppler for `weijian report --pdf`.
SUDO = $(if $(filter 0,$(shell id -u)),,sudo)
APT_INSTALL = $(SUDO) sh -c 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$$@" >/dev/null' apt

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

fonts:
	@fc-list :lang=zh family 2>/dev/null | grep -q . || $(APT_INSTALL) fonts-noto-cjk fontconfig

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser).
chromium:
	@command -v chromium >/dev/null || $(APT_INSTALL) chromium

pdf-tools: fonts
	@command -v soffice >/dev/null && command -v pdftotext >/dev/null || $(APT_INSTALL) libreoffice-writer-nogui poppler-utils
	@fc-list 2>/dev/null | grep -q "AR PL UKai" || $(APT_INSTALL) fonts-arphic-ukai  # 楷体 headings in the PDF

demo: $(VENV)/.installed fonts
	$(BIN)/weijian demo $(DEMO_DIR) --force

test: $(VENV)/.installed-test fonts chromium
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python bench/rollups.py

clean:
	rm -rf $(VENV) $(DEMO_DIR)
