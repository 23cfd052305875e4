# Strata: `make run` opens the app on a demo project; `make test` runs the whole suite.
# Both set up everything they need on a fresh Debian machine and are safe to repeat.
# `make run` installs only what the app needs (`pip install -e .`); the oracles the tests
# compare against (PyTorch, Keras 3) and the test tools come with `make test` ('.[test,oracle]').

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
APP_STAMP := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test
# Every kernel compiled once at set-up and copied into empty user caches (engine/backend/cpu/shipped_kernels.py)
KERNELS := engine/backend/cpu/_compiled/.built
export NUMBA_CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/strata/numba

# Debian libraries Qt needs offscreen, numba's parallel kernels need (libgomp1),
# and a real window needs (the xcb set).
DEB_LIBS := libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 \
            libxkbcommon0 libx11-6 libgomp1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 \
            libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0

.PHONY: run test setup setup-test syslibs bench screenshots package clean

setup: syslibs $(APP_STAMP) $(KERNELS)

setup-test: syslibs $(TEST_STAMP) $(KERNELS)

syslibs:
	@missing=""; for p in $(DEB_LIBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system libraries:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

$(APP_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $(APP_STAMP)

$(TEST_STAMP): $(APP_STAMP)
	$(PY) -m pip install -q -e '.[test,oracle]'
	touch $(TEST_STAMP)

$(KERNELS): $(APP_STAMP) $(wildcard engine/backend/cpu/*.py)
	$(PY) -m engine.backend.ship_kernels
	touch $@

run: setup
	$(PY) -m app.demo

test: setup-test
	QT_QPA_PLATFORM=offscreen KERAS_BACKEND=torch $(PY) -m pytest

bench: setup-test
	$(PY) -m bench

screenshots: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m app.screenshots

package: setup
	$(PY) -m pip install -q -e '.[package]'
	$(PY) -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/strata.spec

clean:
	rm -rf $(VENV) build dist engine/backend/cpu/_compiled
