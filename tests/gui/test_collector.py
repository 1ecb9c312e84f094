"""Garbage is collected on the interface thread only, however much the background threads allocate: a
collection on a worker thread finalises closed panels' Qt objects off their thread, which crashed the
test suite (a segmentation fault "Garbage-collecting" inside a corpus preview) and hung it before that."""
from __future__ import annotations

import gc
import threading

from PySide6.QtWidgets import QWidget

from rnnlm_studio.gui.workers import Lane


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_background_work_never_collects_garbage_on_its_own_thread(qtbot) -> None:  # noqa: ANN001
    collections: list[str] = []

    def seen(phase: str, _info: dict) -> None:
        if phase == "start":
            collections.append(threading.current_thread().name)

    panel = QWidget()
    qtbot.addWidget(panel)
    lane = Lane(panel)
    done: list[int] = []

    def litter() -> int:
        for _ in range(50_000):  # far past every generation's threshold
            _Cycle()
        return 1

    gc.callbacks.append(seen)
    try:
        lane.start(litter, done.append, lambda message: done.append(message))
        qtbot.waitUntil(lambda: done == [1], timeout=30_000)
        qtbot.wait(600)  # the interface thread's timer has come round
    finally:
        gc.callbacks.remove(seen)
    main = threading.main_thread().name
    assert collections, "the litter was never collected"
    assert set(collections) == {main}, f"collections ran on {sorted(set(collections))}"
