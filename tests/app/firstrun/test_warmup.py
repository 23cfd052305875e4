"""Kernel warm-up: runs off the GUI thread, shows progress, vanishes when done, reports failures."""

import threading

import pytest
from PySide6.QtWidgets import QLabel

from app.firstrun.warmup import KernelWarmup, start_warmup
from app.graph import MODEL_ID
from app.graph.operations import AddNode

pytestmark = pytest.mark.gui


def status_labels(window):
    return [w for w in window.statusBar().findChildren(QLabel) if w.isVisible()]


def test_progress_shows_while_the_window_stays_usable(qtbot, window):
    gate = threading.Event()
    threads = []

    def warm(progress):
        threads.append(threading.current_thread())
        progress(1, 3)
        assert gate.wait(10), "the test never released the warm-up"
        progress(2, 3)
        progress(3, 3)

    warmup = start_warmup(window, warm)
    qtbot.waitUntil(lambda: any(w.text() == "Preparing kernels 1/3" for w in status_labels(window)))
    assert threads and threads[0] is not threading.main_thread()
    # the GUI thread is free: an edit goes through while the kernels are still compiling
    window.editor.execute(AddNode(MODEL_ID, "Dense", {"units": 4}, position=(0.0, 0.0)))
    assert len(window.document.model.nodes) == 1
    assert warmup.is_running()
    with qtbot.waitSignal(warmup.finished, timeout=10_000):
        gate.set()
    qtbot.waitUntil(lambda: not any("Preparing kernels" in w.text() for w in status_labels(window)))
    assert warmup.done and warmup.error is None


def test_failure_goes_to_the_status_bar_not_a_crash(qtbot, window):
    def warm(progress):
        progress(1, 2)
        raise RuntimeError("llvm exploded")

    warmup = start_warmup(window, warm)
    qtbot.waitUntil(lambda: "llvm exploded" in window.statusBar().currentMessage(), timeout=10_000)
    assert "Preparing kernels failed" in window.statusBar().currentMessage()
    assert not any("Preparing kernels" in w.text() for w in status_labels(window))
    assert warmup.error == "RuntimeError: llvm exploded" and not warmup.done


def test_default_work_is_the_engine_warmup(qtbot, monkeypatch):
    import engine.backend

    calls = []

    def fake(progress):
        calls.append(threading.current_thread().name)
        progress(1, 1)

    monkeypatch.setattr(engine.backend, "warmup", fake)
    warmup = KernelWarmup()
    with qtbot.waitSignal(warmup.finished, timeout=10_000):
        warmup.start()
    assert calls == ["strata-kernel-warmup"]


def test_cancel_stops_between_kernels(qtbot):
    reported = []
    started = threading.Event()

    def warm(progress):
        for done in range(1, 10_000):
            started.set()
            progress(done, 10_000)
            reported.append(done)
            threading.Event().wait(0.001)

    warmup = KernelWarmup(warm)
    finished = []
    warmup.finished.connect(lambda: finished.append(True))
    warmup.start()
    assert started.wait(10)
    warmup.cancel(wait_s=10)
    assert not warmup.is_running()
    qtbot.wait(20)
    assert not finished and len(reported) < 9_999 and warmup.error is None


def test_real_warmup_reports_every_kernel(monkeypatch):
    """engine.backend.warmup calls progress(done, total) once per kernel, counting up to total
    (the kernels themselves are replaced: compiling them all would take minutes here)."""
    from engine.backend.cpu import warmup as cpu_warmup

    ran = []
    monkeypatch.setattr(cpu_warmup, "KERNEL_MODULES", ("engine.backend.cpu.dense",))
    import engine.backend.cpu.dense as dense

    monkeypatch.setattr(dense, "WARMUP", (lambda: ran.append("a"), lambda: ran.append("b")), raising=False)
    seen = []
    import engine.backend

    engine.backend.warmup(lambda done, total: seen.append((done, total)))
    assert ran == ["a", "b"] and seen == [(1, 2), (2, 2)]
