"""Ctrl-C as a stop request: shared by the `train` command and the Python API's `train`."""
from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from .events import Event, StartEvent


class Stoppable(Protocol):
    """What a signal asks to stop: `TrainControl` (kept abstract so this module needs no torch)."""

    @property
    def stopped(self) -> bool: ...

    def stop(self) -> None: ...


def calling_on_start(events: Iterable[Event], started: Callable[[], None]) -> Iterator[Event]:
    """The events as they are, calling `started` when the run's StartEvent goes by."""
    for event in events:
        if isinstance(event, StartEvent):
            started()
        yield event


@contextlib.contextmanager
def stop_on_signals(control: Stoppable) -> Iterator[Callable[[], None]]:
    """Once the run has started (call the yielded function), Ctrl-C or SIGTERM asks it to stop the way
    the GUI's Stop button does: it finishes the step, saves a resumable checkpoint and ends with a done
    event; a second one aborts at once. Before that (reading, tokenizing and encoding the data, which
    can take minutes) nothing is registered or saved yet, so SIGTERM ends the process at once, even
    inside the tokenizer's C++ code, and Ctrl-C interrupts it as soon as Python runs again.

    Python lets only the main thread install handlers; elsewhere (a notebook's background thread)
    the signals keep their usual meaning.
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return

    def request_stop(signum: int, frame: Any) -> None:
        if control.stopped:
            raise KeyboardInterrupt
        control.stop()
        print("stopping: saving a resumable checkpoint (press Ctrl-C again to abort)", file=sys.stderr)

    def started() -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, request_stop)

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        yield started
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
