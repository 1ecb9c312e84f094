"""Ctrl-C as a stop request: shared by the `train` command and the Python API's `train`."""
from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any, Protocol


class Stoppable(Protocol):
    """What a signal asks to stop: `TrainControl` (kept abstract so this module needs no torch)."""

    @property
    def stopped(self) -> bool: ...

    def stop(self) -> None: ...


@contextlib.contextmanager
def stop_on_signals(control: Stoppable) -> Iterator[None]:
    """Ctrl-C or SIGTERM asks the run to stop the way the GUI's Stop button does: it finishes the
    step, saves a resumable checkpoint and ends with a done event. A second one aborts at once.

    Python lets only the main thread install handlers; elsewhere (a notebook's background thread)
    the signals keep their usual meaning.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def request_stop(signum: int, frame: Any) -> None:
        if control.stopped:
            raise KeyboardInterrupt
        control.stop()
        print("stopping: saving a resumable checkpoint (press Ctrl-C again to abort)", file=sys.stderr)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
