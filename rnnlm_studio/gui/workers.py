"""Background work, for every panel: the training thread or process, and short calls (statistics,
previews, model loading, suggestions, generation) on thread pools.

The core never sees a thread or a widget: a worker iterates the trainer's generator in
its own `QThread` and re-emits each event as a queued Qt signal, so the interface thread
only appends to buffers. Pause and stop go through `TrainControl` (requests the loop
checks between steps), never through thread kills, so a stop always ends with a
resumable checkpoint.
"""
from __future__ import annotations

import collections
import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QThread, QThreadPool, Signal, Slot

from ..core.baseline import train_with_baseline
from ..core.config import TrainConfig
from ..core.errors import StudioError
from ..core.events import DoneEvent, ErrorEvent, Event, event_from_dict
from ..core.train_options import train_argv
from ..core.trainer import TrainControl, train
from .collector import collect_on_interface_thread
from .i18n import translator
from .wording import WORDING_ENV

log = logging.getLogger(__name__)
tr = translator("Workers")

# Python hands the GIL to a waiting thread only every "switch interval" (5 ms by default). The
# interface thread gives the GIL up at each of its many calls into Qt and may then wait a whole
# interval to get it back from the busy training thread, hundreds of times per redraw. A short
# interval bounds those waits; the training thread loses nothing measurable.
GIL_SWITCH_S = 0.0005
STDERR_TAIL = 20  # lines of a failed child's stderr shown to the user


class TrainingWorker(QObject):
    """Lives in the training thread; one event signal per event the trainer yields."""

    event = Signal(object)
    finished = Signal()

    def __init__(self, config: TrainConfig, resume: str | None = None) -> None:
        super().__init__()
        self.config = config
        self.resume = resume
        self.control = TrainControl()

    @Slot()
    def run(self) -> None:
        try:
            for event in self._events():
                self.event.emit(event)
        except StudioError as exc:
            self.event.emit(ErrorEvent(message=str(exc)))
        except Exception as exc:  # a bug must reach the user as a message, not kill the thread silently
            log.exception("training failed")
            self.event.emit(ErrorEvent(message=tr("training stopped by an internal error ({error!r}); "
                                               "the last checkpoint is kept; please report this").format(error=exc)))
        finally:
            self.finished.emit()

    def _events(self) -> Iterator[Event]:
        """A new run with "also train a scratch baseline" trains its matched scratch twin afterwards."""
        if self.config.baseline and self.resume is None:
            return train_with_baseline(self.config, self.control)
        return train(self.config, self.control, resume=self.resume)


class TrainingJob(QObject):
    """One run's thread and worker, owned together so no `QThread` is ever destroyed while running."""

    event = Signal(object)
    finished = Signal()
    can_pause = True

    def __init__(self, config: TrainConfig, resume: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = TrainingWorker(config, resume)
        self.thread = QThread()
        self.thread.setObjectName("training")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.event.connect(self.event)
        self.worker.finished.connect(self.thread.quit)
        self.thread.finished.connect(self._on_thread_finished)

    def start(self) -> None:
        sys.setswitchinterval(GIL_SWITCH_S)
        collect_on_interface_thread()
        self.thread.start()

    def pause(self) -> None:
        self.worker.control.pause()

    def resume(self) -> None:
        self.worker.control.resume()

    def stop(self) -> None:
        """Ask the loop to end; it writes a resumable checkpoint and a done event first."""
        self.worker.control.stop()

    @property
    def paused(self) -> bool:
        return self.worker.control.paused

    @property
    def stopping(self) -> bool:
        return self.worker.control.stopped

    def _on_thread_finished(self) -> None:
        self.thread.wait()  # `finished` is sent just before the thread really ends
        self.finished.emit()


class ProcessTrainingJob(QObject):
    """A run in a child process, `rnnlm-studio train ... --nproc N --json`, behind TrainingJob's
    interface: each JSON line the child prints becomes the same event object, so the plots, the runs
    table and the playground cannot tell the two apart. QProcess reads the lines on the event loop.

    Stop is SIGTERM, which the CLI turns into a clean stop with a resumable checkpoint (the `--nproc`
    launcher passes it to torchrun, which passes it to every worker). Pause is not offered: a paused
    rank would hold every other rank inside its next collective, and torchrun passes on no signal
    that could carry a pause to the workers.
    """

    event = Signal(object)
    finished = Signal()
    can_pause = False

    def __init__(self, config: TrainConfig, processes: int, resume: str | None = None,
                 env: dict[str, str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stopping = False
        self._ended = False  # the child reported a done or error event
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
        self.process = QProcess(self)
        self.process.setProgram(sys.executable)
        self.process.setArguments(child_arguments(config, processes, resume))
        environment = QProcessEnvironment.systemEnvironment()
        for key, value in {WORDING_ENV: "gui", **(env or {})}.items():  # its messages in the window's words
            environment.insert(key, value)
        self.process.setProcessEnvironment(environment)
        self.process.readyReadStandardOutput.connect(self._read_events)
        self.process.readyReadStandardError.connect(self._read_stderr)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)

    def start(self) -> None:
        self.process.start()

    def pause(self) -> None:
        """Never offered for these runs (`can_pause`); see the class docstring."""

    def resume(self) -> None:
        """Nothing is ever paused here."""

    def stop(self) -> None:
        self._stopping = True
        self.process.terminate()

    @property
    def paused(self) -> bool:
        return False

    @property
    def stopping(self) -> bool:
        return self._stopping

    def _read_events(self) -> None:
        while self.process.canReadLine():
            self._take_line(bytes(self.process.readLine().data()).decode("utf-8", "replace"))

    def _take_line(self, line: str) -> None:
        """An event line is re-emitted; anything else (a library's chatter) joins stderr's diagnostics."""
        try:
            event = event_from_dict(json.loads(line))
        except (ValueError, KeyError, TypeError):
            if line.strip():
                self._stderr.append(line.rstrip())
            return
        self._ended = self._ended or isinstance(event, (DoneEvent, ErrorEvent))
        self.event.emit(event)

    def _read_stderr(self) -> None:
        text = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace")
        self._stderr.extend(line for line in text.splitlines() if line.strip())

    def _on_finished(self, exit_code: int, _status: QProcess.ExitStatus) -> None:
        """A child that ends without a done or error event failed: its own last words say why. After
        a stop, torchrun exits non-zero even when its workers stopped cleanly, so the code alone says little."""
        self._read_events()
        self._take_line(bytes(self.process.readAllStandardOutput().data()).decode("utf-8", "replace"))
        self._read_stderr()
        if not self._ended:
            self.event.emit(ErrorEvent(message=self._failure(exit_code)))
        self.finished.emit()

    def _failure(self, exit_code: int) -> str:
        """The CLI's one clear `error: ...` line when there is one, else the tail of stderr."""
        clear = [line.removeprefix("error: ") for line in self._stderr if line.startswith("error: ")]
        if clear:
            return clear[-1]
        what = (tr("the run was stopped before it could save a checkpoint") if self._stopping
                else tr("the training process failed (exit code {code})").format(code=exit_code))
        return "\n".join([what, *self._stderr])

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:  # no `finished` follows
            self.event.emit(ErrorEvent(message=tr("cannot start {program}: {error}").format(
                program=sys.executable, error=self.process.errorString())))
            self.finished.emit()


def child_arguments(config: TrainConfig, processes: int, resume: str | None = None) -> list[str]:
    """The child's command line: the CLI contract, so a run the GUI starts is one a user could type."""
    return ["-m", "rnnlm_studio.cli", "train", *train_argv(config), "--nproc", str(processes), "--json",
            *(["--resume", resume] if resume else [])]


def failure_message(exc: BaseException) -> str:
    """What the panel that asked shows when background work fails: a StudioError says the problem
    and the fix in its own words; anything else is a bug, logged, and the interface keeps running."""
    if isinstance(exc, StudioError):
        return str(exc)
    log.error("background task failed", exc_info=exc)
    return tr("internal error ({error!r}); please report this").format(error=exc)


class _Deliveries(QObject):
    """Carries a callback and its argument from a worker thread to the thread this object lives in
    (the interface thread): the signal is queued, so the callback runs there."""

    deliver = Signal(object, object)  # callback, argument

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.deliver.connect(self._call)

    @Slot(object, object)
    def _call(self, callback: Callable[[Any], None], argument: Any) -> None:
        """A method of a Qt object deleted meanwhile (a closed panel) is skipped, as Qt itself skips
        the slots of a deleted receiver."""
        owner = getattr(callback, "__self__", None)
        if isinstance(owner, QObject) and not shiboken6.isValid(owner):
            return
        callback(argument)


class Lane:
    """Background calls whose results reach callbacks on the interface thread.

    `Lane(parent)` has a private pool of one thread: its calls run one at a time, in order (the
    Playground's model loading, suggestions and generation each have one, so a keystroke's
    suggestion never races the previous one). `run_task` uses a lane on the shared pool.
    Must be made on the interface thread.
    """

    def __init__(self, parent: QObject | None = None, threads: int | None = 1) -> None:
        collect_on_interface_thread()
        if threads is None:
            self.pool = QThreadPool.globalInstance()
        else:
            self.pool = QThreadPool(parent)
            self.pool.setMaxThreadCount(threads)
        self._deliveries = _Deliveries(parent)

    def start(self, work: Callable[[], Any], on_done: Callable[[Any], None],
              on_failed: Callable[[str], None]) -> None:
        """Run `work` off the interface thread; then `on_done(result)`, or `on_failed(message)`."""
        def job() -> None:
            try:
                result = work()
            except Exception as exc:  # every failure reaches the panel that asked, as a message
                self.post(on_failed, failure_message(exc))
                return
            self.post(on_done, result)

        self.pool.start(job)

    def post(self, callback: Callable[[Any], None], argument: Any) -> None:
        """From inside a running `work`: hand a partial result (a generated piece) to the interface. When
        the panel that asked is gone (its window closed, the application ending), there is no one to tell."""
        if shiboken6.isValid(self._deliveries):
            self._deliveries.deliver.emit(callback, argument)

    def wait(self, msecs: int) -> bool:
        return self.pool.waitForDone(msecs)


_shared: Lane | None = None


def run_task(fn: Callable[..., Any], *args: Any, on_failed: Callable[[str], None],
             on_done: Callable[[Any], None] | None = None) -> None:
    """Run `fn(*args)` on the shared pool; the callbacks run on the interface thread."""
    global _shared
    if _shared is None:
        _shared = Lane(threads=None)
    _shared.start(lambda: fn(*args), on_done or _ignore, on_failed)


def _ignore(_result: Any) -> None:
    """The result of a task run for its effect only."""


class LatestOnly(QObject):
    """Runs one call at a time; while it runs only the newest request waits, and a result
    overtaken by a newer request is dropped, so rapid edits never queue stale work."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running = False
        self._pending: tuple[Callable[..., Any], tuple[Any, ...]] | None = None

    def request(self, fn: Callable[..., Any], *args: Any) -> None:
        if self.running:
            self._pending = (fn, args)
            return
        self.running = True
        run_task(fn, *args, on_done=self._on_done, on_failed=self._on_failed)

    @Slot(object)
    def _on_done(self, result: Any) -> None:
        if not self._next():
            self.done.emit(result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if not self._next():
            self.failed.emit(message)

    def _next(self) -> bool:
        self.running = False
        if self._pending is None:
            return False
        fn, args = self._pending
        self._pending = None
        self.request(fn, *args)
        return True


def wait_for_tasks(msecs: int = 30_000) -> bool:
    """Let running background tasks end (on exit, and between tests)."""
    return QThreadPool.globalInstance().waitForDone(msecs)
