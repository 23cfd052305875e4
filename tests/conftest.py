"""Suite-wide settings: offscreen Qt, Keras on the torch backend, fresh names per test."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "torch")
# CUDA kernels run in numba's simulator unless a real GPU run asks otherwise
# (bench/gpu.sh sets NUMBA_ENABLE_CUDASIM=0). Must be set before numba is imported.
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
# Windows that autosave without a test's own recovery folder write here, not into the user's
# ~/.local/share/strata/recovery (where the next real start would offer them).
import tempfile  # noqa: E402

os.environ.setdefault("STRATA_DATA_DIR", tempfile.mkdtemp(prefix="strata-test-data-"))

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_layer_names():
    from engine.layers.naming import clear_session

    clear_session()
    yield


# Qt and pyqtgraph objects that survive to interpreter teardown are destroyed in no fixed
# order, and pyqtgraph's ViewBox registry then touches menus whose C++ side is already gone,
# which can crash the interpreter *after* every test has passed and been reported. Leave the
# process as soon as pytest is done (as pyqtgraph.exit() does), keeping pytest's exit status.
_session_status = None


def pytest_sessionfinish(session, exitstatus):
    global _session_status
    _session_status = int(exitstatus)


def pytest_unconfigure(config):
    import sys

    if _session_status is not None and "PySide6.QtWidgets" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_session_status)


@pytest.fixture(scope="session")
def keras_app_dir(tmp_path_factory):
    """One folder per test session for the Keras applications corpus (tests/keras_apps.py)."""
    return tmp_path_factory.mktemp("keras_apps")


@pytest.fixture(scope="session")
def keras_app(keras_app_dir):
    """`keras_app(name)` -> `BuiltApp` (unpacks as path, sample_input, keras_prediction), built once per session."""
    from tests.keras_apps import build_keras_file

    return lambda name: build_keras_file(name, keras_app_dir)
