"""Python's cyclic garbage collection, on the interface thread only.

Python collects in whichever thread happens to allocate past a threshold. When that is a
background thread (training, suggestions, corpus statistics, the deferred imports), it may
finalise a closed panel's Qt objects there, and a Qt object deleted off its own thread crashes
the process or deadlocks it: the test suite died with a segmentation fault "Garbage-collecting"
inside `corpus.open` on a pool thread, and hung at random places before that. So once the
interface has background work, automatic collection is off and a timer on the interface thread
collects by Python's own thresholds. Reference counting, which frees most objects, is untouched.

A full collection walks every tracked object: 115 ms on the interface thread with the window's
modules loaded (226,000 objects, this machine), a visible stall every half minute of training, where
Python's own rule would rarely run one. So the first full collection is followed by `gc.freeze()`:
what survives it (modules, the window) is left out of later collections, which then take well
under a millisecond.
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QTimer

INTERVAL_MS = 250

_timer: QTimer | None = None


def collect_due() -> None:
    """The collection Python would have made by now: the oldest generation past its threshold."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            if generation == 2 and not gc.get_freeze_count():
                gc.freeze()  # once: the survivors of the first full collection are the program itself
            return


def collect_on_interface_thread() -> None:
    """Idempotent; call on the interface thread, with the application made, before any background work."""
    global _timer
    app = QCoreApplication.instance()
    if _timer is not None or app is None:
        return
    gc.disable()
    _timer = QTimer(app)
    _timer.timeout.connect(collect_due)
    _timer.start(INTERVAL_MS)
    app.destroyed.connect(_application_gone)


def _application_gone() -> None:
    """Without an application no Qt object is left to delete: Python collects on its own again."""
    global _timer
    _timer = None
    gc.enable()
