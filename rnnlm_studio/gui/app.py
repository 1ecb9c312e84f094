"""The main window: docks, actions, the training job, and settings that survive a restart.

The window composes the panels and owns the one training job; each panel owns its own
widgets and state. Settings go to one INI file (see `widgets.open_settings`): window
geometry, dock layout, and every panel's choices as JSON.

Start-up paints first and builds after: this module imports neither torch nor pyqtgraph nor
the panels, so `run_gui` shows the window frame, toolbar and docks ("Getting ready…") within
about Qt's own start-up time; after the first paint a thread imports the heavy libraries and
the panels are built into the docks (`MainWindow(deferred=True)`). Built directly, the window
is whole when the constructor returns, as tests expect.
"""
from __future__ import annotations

import json
import os
import sys
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QIcon, QKeySequence, QPaintEvent
from PySide6.QtWidgets import (QApplication, QDockWidget, QLabel, QMainWindow, QMenu, QMessageBox, QScrollArea, QStyle,
                               QWidget)

from ..core import __version__
from ..core.config import TrainConfig
from ..core.errors import StudioError, set_spelling
from ..core.events import CheckpointEvent, DoneEvent, ErrorEvent, Event, PauseEvent, StartEvent
from ..core.paths import resources_dir, sample_corpus
from ..core.runs import RunRecord, RunStore
from .collector import collect_on_interface_thread
from .fonts import log_missing_cjk_font
from .i18n import LANGUAGE_KEY, LANGUAGES, N_, install_translators, translator
from .run_settings import panel_states, stored_config
from .wording import gui_spelling
from .widgets import APPLICATION, ORGANIZATION, ElidedLabel, install_wheel_guard, open_settings

if TYPE_CHECKING:
    from .corpus_panel import CorpusPanel
    from .model_panel import ModelPanel
    from .playground import PlaygroundPanel
    from .runs_panel import RunsPanel
    from .training_panel import TrainingPanel
    from .workers import ProcessTrainingJob, TrainingJob

tr = translator("MainWindow")
TITLE = "RNNLM Studio"
SETTINGS_VERSION = 1
PANEL_KEYS = ("corpus", "model", "training", "runs")
SCROLLING_PANELS = ("corpus", "playground", "studies")  # forms that scroll in a short window (the Model panel scrolls itself)
DEFAULT_SIZE = (1400, 900)
LEFT_DOCK_WIDTH = (405, 470)  # the left docks' width on first start: at least what the Corpus form needs
RUNS_HEIGHT = (130, 200)  # the Runs table's height on first start (a fifth of the window); the plots take the rest
PAUSE_TIP = N_("Pause or resume the run between steps (F6)")
NO_PAUSE_TIP = (N_("A run in a child process (several processes, or one chosen GPU) cannot pause: stop it, then "
                "resume it from the Runs panel"))


GETTING_READY = N_("Getting ready…")
HEAVY_MODULES = ("torch", "numpy", "sentencepiece", "rnnlm_studio.core.trainer", "rnnlm_studio.core.checkpoint",
                 "rnnlm_studio.core.dataset")  # what the panels import; loaded off the interface thread


def training_threads() -> int:
    """Leave one core to the interface so it stays responsive while the CPU trains."""
    return max(1, (os.cpu_count() or 2) - 1)


class MainWindow(QMainWindow):
    """Corpus, Model & Transfer, Training, Runs and Playground docks around one training job."""

    training_event = Signal(object)  # every event of the current job, after the panels saw it
    training_finished = Signal()

    panels_ready = Signal()  # the panels are built and hold their settings
    _loaded = Signal()  # the heavy modules are imported (from the loading thread)

    def __init__(self, deferred: bool = False) -> None:
        """`deferred`: show "Getting ready…" docks and build the panels after the first paint (`run_gui`)."""
        super().__init__()
        install_wheel_guard(QApplication.instance())
        set_spelling(gui_spelling)  # core's messages name settings in the window's words
        self.setWindowTitle(TITLE)
        self.setWindowIcon(QIcon(str(resources_dir() / "icons" / "rnnlm-studio.svg")))
        self.setObjectName("main-window")
        self.setDockNestingEnabled(True)
        self.job: TrainingJob | ProcessTrainingJob | None = None
        self._job_run: str | None = None  # the run the job's user started (not the baseline it trains first)
        self._job_twin = False
        self.ready = False
        self._deferred = deferred
        self._run_parameters = 0
        self._close_after_stop = False
        self._make_actions()
        self._make_docks()
        self._make_menus()
        self.status_label = ElidedLabel(tr(GETTING_READY), mode=Qt.TextElideMode.ElideMiddle)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(QLabel(tr("CPU training threads: {used} of {cores}").format(
            used=training_threads(), cores=os.cpu_count() or 1)))
        self._restore_window()
        self._update_actions()
        self._loaded.connect(self._build_panels, Qt.ConnectionType.QueuedConnection)
        if not deferred:
            self._build_panels()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        """Once the first frame is painted, the heavy imports start, off the interface thread."""
        super().paintEvent(event)
        if self._deferred:
            self._deferred = False
            collect_on_interface_thread()
            threading.Thread(target=self._load_modules, name="rnnlm-studio-imports", daemon=True).start()

    def _load_modules(self) -> None:
        import importlib

        for name in HEAVY_MODULES:
            importlib.import_module(name)
        self._loaded.emit()

    def _build_panels(self) -> None:
        """The panels into their docks, their signals, their saved settings; then the background work."""
        from ..core.run_loop import warm_up
        from .corpus_panel import CorpusPanel
        from .model_panel import ModelPanel
        from .playground import PlaygroundPanel
        from .runs_panel import RunsPanel
        from .source_ranking import follow_corpus
        from .studies_panel import StudiesPanel
        from .training_panel import TrainingPanel
        from .workers import run_task

        self.corpus_panel = CorpusPanel()
        self.model_panel = ModelPanel()
        self.training_panel = TrainingPanel()
        self.runs_panel = RunsPanel()
        self.playground = PlaygroundPanel()
        self.studies_panel = StudiesPanel(self.build_config, self.study_where)
        for key, widget in self._panels().items():
            self.docks[key].setWidget(_scrolling(widget) if key in SCROLLING_PANELS else widget)
        self.training_panel.set_actions([self.start_action, self.pause_action, self.stop_action])
        self._connect()
        follow_corpus(self.model_panel.ranking, self.corpus_panel)
        self._restore_panels()
        self.ready = True
        self._update_actions()
        run_task(warm_up, on_failed=self.training_panel.message.show_message)
        self.panels_ready.emit()

    def _panels(self) -> dict[str, QWidget]:
        return {"corpus": self.corpus_panel, "model": self.model_panel, "training": self.training_panel,
                "runs": self.runs_panel, "playground": self.playground, "studies": self.studies_panel}

    # --- construction ----------------------------------------------------------------------
    def _make_actions(self) -> None:
        style = self.style()
        self.start_action = QAction(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), tr("Start"), self)
        self.start_action.setShortcuts([QKeySequence("F5"), QKeySequence("Ctrl+Return")])
        self.start_action.setToolTip(tr("Start training with the current settings (F5)"))
        self.pause_action = QAction(style.standardIcon(QStyle.StandardPixmap.SP_MediaPause), tr("Pause"), self)
        self.pause_action.setShortcut(QKeySequence("F6"))
        self.pause_action.setToolTip(tr(PAUSE_TIP))
        self.stop_action = QAction(style.standardIcon(QStyle.StandardPixmap.SP_MediaStop), tr("Stop"), self)
        self.stop_action.setShortcut(QKeySequence("Shift+F5"))
        self.stop_action.setToolTip(tr("Stop the run; it saves a resumable checkpoint first (Shift+F5)"))
        self.start_action.triggered.connect(self.start_training)
        self.pause_action.triggered.connect(self.toggle_pause)
        self.stop_action.triggered.connect(self.stop_training)
        self.toolbar = self.addToolBar(tr("Training"))
        self.toolbar.setObjectName("training-toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.start_action, self.pause_action, self.stop_action):
            self.toolbar.addAction(action)

    def _make_docks(self) -> None:
        self.docks: dict[str, QDockWidget] = {}
        left, right, bottom = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea,
                               Qt.DockWidgetArea.BottomDockWidgetArea)
        for key, title, area in (("corpus", tr("Corpus"), left), ("model", tr("Model && Transfer"), left),
                                 ("training", tr("Training"), right), ("runs", tr("Runs"), bottom),
                                 ("playground", tr("Playground"), left), ("studies", tr("Studies"), left)):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock-{key}")
            dock.setWidget(_getting_ready())
            self.addDockWidget(area, dock)
            self.docks[key] = dock
        # One tab group only: Qt 6 leaves a stray tab bar painted when a window has two.
        self.tabifyDockWidget(self.docks["corpus"], self.docks["model"])
        self.tabifyDockWidget(self.docks["model"], self.docks["playground"])
        self.tabifyDockWidget(self.docks["playground"], self.docks["studies"])
        self.docks["corpus"].raise_()
        self._default_layout = self.saveState(SETTINGS_VERSION)

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(tr("&File"))
        self.panel_actions: list[QAction] = []  # they wait for the panels (`_build_panels`)
        for text, slot, shortcut in ((tr("Add corpus files…"), lambda: self.corpus_panel.ask_files(), "Ctrl+O"),
                                     (tr("Add corpus folder…"), lambda: self.corpus_panel.ask_folder(), "Ctrl+Shift+O"),
                                     (tr("Export plots as PNG…"), lambda: self.training_panel.plots.ask_png(), ""),
                                     (tr("Export curves as CSV…"), lambda: self.training_panel.plots.ask_csv(), "")):
            action = file_menu.addAction(text, slot)
            self.panel_actions.append(action)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
        file_menu.addSeparator()
        quit_action = file_menu.addAction(tr("Quit"), self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        training = bar.addMenu(tr("&Training"))
        for action in (self.start_action, self.pause_action, self.stop_action):
            training.addAction(action)
        view = bar.addMenu(tr("&View"))
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        toolbar = self.toolbar.toggleViewAction()
        toolbar.setText(tr("Toolbar"))  # "Training" is the dock's: one entry per panel
        view.addAction(toolbar)
        view.addSeparator()
        view.addAction(tr("Reset layout"), self.reset_layout)
        self._make_language_menu(view.addMenu(tr("Language")))
        help_menu = bar.addMenu(tr("&Help"))
        help_menu.addAction(tr("About RNNLM Studio"), self._about)

    def _make_language_menu(self, menu: QMenu) -> None:
        """English, 简体中文 or the system's language; the choice is read at startup (`run_gui`)."""
        chosen = str(open_settings().value(LANGUAGE_KEY, "") or "")
        group = QActionGroup(self)
        for code, name in (*LANGUAGES.items(), ("", tr("System"))):
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(code == chosen or (code == "" and chosen not in LANGUAGES))
            action.setData(code)
            group.addAction(action)
        group.triggered.connect(self._choose_language)

    def _choose_language(self, action: QAction) -> None:
        open_settings().setValue(LANGUAGE_KEY, action.data())
        QMessageBox.information(self, tr("Language"),
                                tr("The interface language changes when RNNLM Studio is restarted."))

    def _connect(self) -> None:
        self.model_panel.source_changed.connect(self.corpus_panel.set_source)
        self.model_panel.labelled_data_chosen.connect(self.corpus_panel.set_train_paths)
        self.corpus_panel.estimated.connect(self.model_panel.set_corpus_estimate)
        self.runs_panel.selection_changed.connect(self._on_runs_selected)
        self.runs_panel.resume_requested.connect(self.resume_run)
        self.runs_panel.settings_requested.connect(self.new_run_from)
        self.studies_panel.runs_changed.connect(self.runs_panel.refresh)
        self.studies_panel.ended.connect(self._on_study_ended)
        self.studies_panel.runs_requested.connect(self._show_study_runs)

    # --- training --------------------------------------------------------------------------
    def build_config(self) -> TrainConfig:
        """The run the panels describe; raises ConfigError naming what to fix."""
        config = TrainConfig()
        self.corpus_panel.apply_to(config)
        self.model_panel.apply_to(config)
        self.training_panel.apply_to(config)
        config.fill_budget()  # every budget off: one epoch, as on the command line and in the Python API
        config.threads = training_threads()
        config.validate()
        return config

    def start_training(self) -> None:
        if self.job is not None:
            return
        try:
            config = self.build_config()
        except StudioError as exc:
            self.training_panel.message.show_message(str(exc), "error")
            self.docks["training"].raise_()
            return
        self.save_settings()
        self._launch(config, None)

    def resume_run(self, run_id: str) -> None:
        """Continue a stopped run from its last checkpoint, with its own saved settings."""
        if self.job is not None:
            return
        try:
            record = RunStore().get(run_id)
        except StudioError as exc:
            self.runs_panel.message.show_message(str(exc), "error")
            return
        config = TrainConfig.from_dict(record.config)
        config.threads = training_threads()
        self._launch(config, run_id)

    def new_run_from(self, run_id: str) -> None:
        """Put a stored run's settings into the panels (“New run from these settings”), to vary and start."""
        try:
            record = RunStore().get(run_id)
            states = panel_states(stored_config(record), self.model_panel.state())
        except StudioError as exc:
            self.runs_panel.message.show_message(str(exc), "error")
            return
        for key, state in states.items():
            self._panel(key).set_state(state)
        self.docks["model"].raise_()
        self.status_label.setText(tr("The settings of run {name} are in the panels: change what you like and "
                                     "press Start for a new run.").format(name=record.name))

    def _launch(self, config: TrainConfig, resume: str | None) -> None:
        self.training_panel.begin_job()
        self._job_run = None
        self._job_twin = config.baseline  # its scratch twin trains first and is not the job's model
        self.job = self._new_job(config, resume)
        self.job.event.connect(self._on_event)
        self.job.finished.connect(self._on_job_finished)
        self.job.start()
        self.status_label.setText(tr("Resuming…") if resume else tr("Preparing the data…"))
        self._update_actions()

    def _new_job(self, config: TrainConfig, resume: str | None) -> TrainingJob | ProcessTrainingJob:
        """The device choice says where the run trains (a resumed one too): in this process, or in a child
        process whose JSON events feed the same panels. The CPU threads are shared among its processes."""
        from .workers import ProcessTrainingJob, TrainingJob

        choice = self.model_panel.device_choice()
        if choice.in_process:
            return TrainingJob(config, resume, self)
        config.threads = max(1, config.threads // choice.processes)
        return ProcessTrainingJob(config, choice.processes, resume, choice.child_env(), self)

    def study_where(self) -> tuple[str, dict[str, str]]:
        """A study's runs train where the device choice says (the trainer's device, and the environment that
        shows the runs only that device); each is one process (At once runs several)."""
        choice = self.model_panel.device_choice()
        if choice.processes > 1:
            raise StudioError(tr("a study trains each run in one process: choose Auto, CPU or one GPU as the Device "
                                 "in the Model & Transfer panel, and set At once to train several runs side by side"))
        return choice.device, choice.child_env()

    def toggle_pause(self) -> None:
        if self.job is None or self.job.stopping:
            return
        if self.job.paused:
            self.job.resume()
        else:
            self.job.pause()
        self._update_actions()

    def stop_training(self) -> None:
        if self.job is None or self.job.stopping:
            return
        self.job.stop()
        self.training_panel.mark_stopping()
        self.status_label.setText(tr("Stopping: the run saves a resumable checkpoint…"))
        self._update_actions()

    def _on_event(self, event: Event) -> None:
        self.training_panel.on_event(event)
        if isinstance(event, StartEvent):
            self._run_parameters = event.parameters
            if not self._job_twin or event.config.get("baseline"):
                self._job_run = event.run_id
            self.runs_panel.set_busy_run(event.run_id)
            self.runs_panel.refresh()
            self.status_label.setText(tr("Training {run} on {device}").format(run=event.run_id, device=event.device))
        elif isinstance(event, CheckpointEvent) and event.tag == "last" or isinstance(event, PauseEvent):
            self.runs_panel.refresh()  # best perplexity, duration or "paused", stored before this event
        elif isinstance(event, DoneEvent):
            self.status_label.setText((tr("Run {run} stopped — {folder}") if event.reason == "stopped" else
                                       tr("Run {run} finished — {folder}")).format(run=event.run_id, folder=event.run_dir))
            self.model_panel.note_throughput(event.tokens_per_s, self._run_parameters)
            if event.run_id == self._job_run:  # the transfer run is the job's model, not its baseline
                self.playground.refresh_models()
                self.playground.set_model(event.run_dir)
        elif isinstance(event, ErrorEvent):
            self.status_label.setText(tr("The run failed: see the Training panel"))
        self._update_actions()
        self.training_event.emit(event)

    def _on_job_finished(self) -> None:
        self.job.deleteLater()
        self.job = None
        self.runs_panel.set_busy_run(None)
        self.runs_panel.refresh()
        self.model_panel.refresh_sources()
        self._update_actions()
        self.training_finished.emit()
        if self._close_after_stop:
            self.close()

    def _update_actions(self) -> None:
        running = self.job is not None
        stopping = running and self.job.stopping
        self.start_action.setEnabled(self.ready and not running)
        for action in self.panel_actions:
            action.setEnabled(self.ready)
        can_pause = not running or self.job.can_pause
        self.pause_action.setEnabled(running and not stopping and can_pause)
        self.pause_action.setToolTip(tr(PAUSE_TIP if can_pause else NO_PAUSE_TIP))
        self.stop_action.setEnabled(running and not stopping)
        paused = running and self.job.paused
        self.pause_action.setText(tr("Resume") if paused else tr("Pause"))
        icon = QStyle.StandardPixmap.SP_MediaPlay if paused else QStyle.StandardPixmap.SP_MediaPause
        self.pause_action.setIcon(self.style().standardIcon(icon))

    def _on_runs_selected(self, records: list[RunRecord]) -> None:
        self.training_panel.show_runs(records)
        if len(records) == 1 and records[0].status in ("done", "stopped"):
            self.playground.set_model(str(records[0].run_dir))

    def _show_study_runs(self, run_ids: list[str]) -> None:
        """A clicked study cell: its transfer runs and their baselines, selected in the Runs panel."""
        self.runs_panel.select_runs(run_ids)
        self.docks["runs"].raise_()

    # --- closing ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        """During a run or a study, ask; on yes, stop them cleanly and close once they have ended, the
        window live meanwhile (a study's children may take a while to write their checkpoints)."""
        if self._training():
            event.ignore()
            if not self._close_after_stop and self._confirm_close():
                self._close_after_stop = True
                if self.job is not None:
                    self.stop_training()
                self.studies_panel.stop()  # shows "stopping…"; its end closes the window
            return
        if self.ready:
            self.studies_panel.shutdown()
            self.save_settings()
        event.accept()

    def _training(self) -> bool:
        return self.job is not None or (self.ready and self.studies_panel.running)

    def _confirm_close(self) -> bool:
        """One question naming what quitting costs: a run resumes from its checkpoint, while a study's
        unfinished runs train again from the start on Resume."""
        texts = []
        if self.job is not None:
            texts.append(tr("A run is training. Stop it and quit?\n\nIt saves a checkpoint first, so you can resume "
                            "it later from the Runs panel."))
        if self.ready and self.studies_panel.running:
            texts.append(tr("A study is training. Stop it and quit?\n\nIts finished runs are kept; its unfinished "
                            "runs stop and train again from the start when you press Resume in the Studies panel."))
        answer = QMessageBox.question(self, tr("Training in progress"), "\n\n".join(texts))
        return answer == QMessageBox.StandardButton.Yes

    def _on_study_ended(self) -> None:
        if self._close_after_stop:
            self.close()

    # --- settings --------------------------------------------------------------------------
    def save_settings(self) -> None:
        settings = open_settings()
        settings.setValue("version", SETTINGS_VERSION)
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState(SETTINGS_VERSION))
        for key in PANEL_KEYS:
            settings.setValue(f"panels/{key}", json.dumps(self._panel(key).state()))
        settings.sync()

    def _restore_window(self) -> None:
        """Last session's size and dock layout (before the first paint), or the first start's."""
        settings = open_settings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            self.restoreState(settings.value("window/state", QByteArray()), SETTINGS_VERSION)
        else:
            self._fit_default_size()

    def _restore_panels(self) -> None:
        """Last session's choices; on first start, the sample corpus and default source."""
        settings = open_settings()
        saved = {key: settings.value(f"panels/{key}") for key in PANEL_KEYS}
        if not any(saved.values()):
            self.model_panel.select_default()
            self.corpus_panel.reuse_radio.setChecked(self.model_panel.source_ref() is not None)
            self.corpus_panel.add_paths([sample_corpus()])
            self.status_label.setText(tr("Ready: press Start (F5) to train on the sample corpus, or add your own text."))
            return
        for key, value in saved.items():
            try:
                state = json.loads(value) if value else {}
            except (TypeError, ValueError):
                state = {}
            self._panel(key).set_state(state)
        self.status_label.setText(tr("Ready: press Start (F5) to train."))

    def _fit_default_size(self) -> None:
        """First start: the default size, or the whole screen where that is smaller (a 1024×700 laptop)."""
        screen = self.screen().availableGeometry()
        width, height = min(DEFAULT_SIZE[0], screen.width()), min(DEFAULT_SIZE[1], screen.height())
        frame = self.frameGeometry().size() - self.geometry().size()  # the title bar and borders, once shown
        self.resize(width - frame.width(), height - frame.height())
        self.move(screen.topLeft())
        self._size_docks()

    def reset_layout(self) -> None:
        self.restoreState(self._default_layout, SETTINGS_VERSION)
        self._size_docks()

    def _size_docks(self) -> None:
        """The forms on the left get what they need to show whole, the plots all the rest."""
        width, height = self.width(), self.height()
        left = min(max(round(width * 0.32), LEFT_DOCK_WIDTH[0]), LEFT_DOCK_WIDTH[1])
        self.resizeDocks([self.docks["corpus"], self.docks["training"]], [left, width - left],
                         Qt.Orientation.Horizontal)
        runs = min(max(height // 5, RUNS_HEIGHT[0]), RUNS_HEIGHT[1])
        self.resizeDocks([self.docks["training"], self.docks["runs"]], [height - runs, runs], Qt.Orientation.Vertical)

    def _panel(self, key: str) -> CorpusPanel | ModelPanel | TrainingPanel | RunsPanel:
        return {"corpus": self.corpus_panel, "model": self.model_panel, "training": self.training_panel,
                "runs": self.runs_panel}[key]

    def _about(self) -> None:
        QMessageBox.about(self, tr("About RNNLM Studio"),
                          tr("RNNLM Studio {version} — train recurrent language models, transfer what they "
                             "learned, and compare runs side by side.").format(version=__version__))


def _getting_ready() -> QLabel:
    """What a dock shows while its panel is being built."""
    label = QLabel(tr(GETTING_READY))
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet("color:#777;")
    return label


def _scrolling(widget: QWidget) -> QScrollArea:
    """A panel whose content may ask for more width than the window has (a long path) scrolls instead of
    widening the whole window."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


def run_gui(argv: list[str] | None = None) -> int:
    """Open the main window and run the event loop; returns the exit code."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(TITLE)
    log_missing_cjk_font()
    translations = install_translators(app, str(open_settings().value(LANGUAGE_KEY, "") or ""))
    window = MainWindow(deferred=True)
    window.show()
    window.panels_ready.connect(log_missing_cjk_font)
    code = app.exec()
    from .workers import wait_for_tasks

    wait_for_tasks()  # a preview still running must not report to a window Python is tearing down
    for translation in translations:
        app.removeTranslator(translation)
    return code
