"""The Studies panel as a user meets it: define a 2x2 study of tiny runs, watch the grid fill in,
click a cell to see its runs in the Runs panel, export the results."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from rnnlm_studio.core.formatting import gain_color
from rnnlm_studio.core.runs import RunStore
from tests.gui.conftest import set_tiny_model


def test_a_two_by_two_study_fills_its_grid_and_opens_a_cells_runs(make_window, qtbot, runs_home: Path,
                                                                   shakespeare_small: dict[str, Path],
                                                                   tmp_path: Path, artifacts: Path) -> None:
    window = make_window()
    set_tiny_model(window, steps=2, eval_every=2)
    source = next(r for r in RunStore().list() if r.name == "source-scratch")
    window.model_panel.set_source(str(source.run_dir))
    window.model_panel.transfer_box.setCurrentText("parameter")
    window.corpus_panel.set_train_paths([shakespeare_small["train"]])
    window.corpus_panel.add_paths([shakespeare_small["valid"]], role="valid")
    panel = window.studies_panel
    window.docks["studies"].raise_()

    panel.axis_names[0].setCurrentText("lr")
    qtbot.keyClicks(panel.axis_values[0], "0.01,0.02")
    panel.axis_names[1].setCurrentText("freeze")
    qtbot.keyClicks(panel.axis_values[1], "none,embedding")
    panel.jobs.setValue(2)
    qtbot.keyClicks(panel.name_edit, "grid")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.grid.rowCount() == 2 and panel.grid.columnCount() == 2, timeout=60_000)
    assert panel.progress.maximum() == 5, "four cells and the one scratch baseline they share"
    assert not panel.start_button.isEnabled() and panel.stop_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.running, timeout=400_000)
    assert panel.message.text() == "", panel.message.text()
    assert panel.progress.value() == 5 and panel.eta_label.text() == "done"
    for row in range(2):
        for col in range(2):
            item = panel.grid.item(row, col)
            assert "bits" in item.text() and "bpb" in item.text()
            cell = panel.cells[row * 2 + col]
            assert item.background().color().name() == gain_color(cell["gain_bits_mean"])
    window.grab().save(str(artifacts / "studies-panel.png"))

    cell = panel.cells[3]  # lr=0.02, freeze=embedding
    assert cell["axes"] == {"lr": "0.02", "freeze": "embedding"}
    qtbot.waitUntil(lambda: set(cell["run_ids"]) <= set(window.runs_panel.records), timeout=20_000)
    rect = panel.grid.visualItemRect(panel.grid.item(1, 1))
    qtbot.mouseClick(panel.grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    wanted = set(cell["run_ids"] + cell["baseline_run_ids"])
    qtbot.waitUntil(lambda: {r.id for r in window.runs_panel.selected()} == wanted, timeout=10_000)

    written = panel.export(tmp_path / "export")
    assert {p.name for p in written} >= {"results.csv", "report.md", "heatmap.png", "heatmap.svg"}
    assert (tmp_path / "export" / "results.csv").read_text().count("\n") == 5
    assert panel.studies.findText("grid") >= 0, "the stored study is offered for resuming"


def test_each_kind_of_study_gets_its_plots_as_png_and_svg(qtbot, tmp_path: Path) -> None:
    from rnnlm_studio.gui.study_plots import write_study_plots

    def cell(axes: dict, gain: float | None, sd: float | None = 0.01) -> dict:
        return {"axes": axes, "repeats": 2, "bpb_mean": None if gain is None else 2 - gain, "bpb_sd": sd,
                "baseline_bpb_mean": 2.0, "baseline_bpb_sd": sd, "gain_bits_mean": gain, "gain_bits_sd": sd}

    curve = [cell({"fraction": f}, g) for f, g in (("0.1", 0.3), ("0.5", 0.05), ("1", -0.1))]
    bars = [cell({"transfer": t}, g, sd) for t, g, sd in (("parameter", 0.2, None), ("feature", -0.05, 0.02))]
    grid = [cell({"transfer": t, "freeze": f}, g) for t, f, g in
            (("parameter", "none", 0.2), ("parameter", "embedding", None), ("feature", "none", -0.1),
             ("feature", "embedding", 0.0))]
    for name, cells, stems in (("curve", curve, {"data-efficiency"}), ("bars", bars, {"gain-bars"}),
                               ("grid", grid, {"heatmap"})):
        written = write_study_plots(cells, tmp_path / name)
        assert {p.stem for p in written} == stems and {p.suffix for p in written} == {".png", ".svg"}
        assert all(p.stat().st_size > 1000 for p in written)
        assert "<svg" in next(p for p in written if p.suffix == ".svg").read_text()


def test_the_panels_messages_and_its_runs_speak_the_windows_words(qtbot, runs_home: Path, monkeypatch,
                                                                   shakespeare_small: dict[str, Path]) -> None:
    """A study's runs print their refusals in the words of whoever started them: started here, a failed
    run must not tell the user to "pass --valid"; nor may a taken name send them to `study --resume`."""
    import json

    from rnnlm_studio.core import study_runner
    from rnnlm_studio.gui.studies_panel import StudiesPanel
    from rnnlm_studio.gui.wording import WORDING_ENV
    from tests.gui.conftest import tiny_config

    seen: list[str | None] = []

    def launch(argv, env, on_line, control):
        seen.append(env.get(WORDING_ENV))
        on_line(json.dumps({"event": "start", "run_id": "r", "run_dir": "/runs/r"}) + "\n")
        on_line(json.dumps({"event": "done", "run_id": "r", "run_dir": "/runs/r", "reason": "budget",
                            "valid": {"bpb": 2.0, "word_ppl": 9.0}, "test": {}}) + "\n")
        return []

    monkeypatch.setattr(study_runner, "launch_local", launch)
    source = next(r for r in RunStore().list() if r.name == "source-scratch")
    panel = StudiesPanel(lambda: tiny_config(shakespeare_small, source=str(source.run_dir), max_steps=2))
    qtbot.addWidget(panel)
    panel.axis_names[0].setCurrentText("lr")
    qtbot.keyClicks(panel.axis_values[0], "0.01")
    qtbot.keyClicks(panel.name_edit, "taken")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=60_000)
    assert seen == ["gui", "gui"], "the scratch baseline and the transfer run, both told to use the window's words"

    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.message.text() != "" and not panel.running, timeout=60_000)
    assert "taken" in panel.message.text() and "Resume" in panel.message.text()
    assert "--" not in panel.message.text() and "`" not in panel.message.text()
    assert seen == ["gui", "gui"]


def test_a_width_study_grows_the_source_in_one_cell_and_refuses_a_width_it_would_not_train(
        qtbot, runs_home: Path, monkeypatch, shakespeare_small: dict[str, Path]) -> None:
    """Hidden size as an axis: the source's own width and a grown one, each against a scratch run of its
    width; a width the run would silently not train is refused in the panel before anything starts."""
    import json

    from rnnlm_studio.core import study_runner
    from rnnlm_studio.gui.studies_panel import StudiesPanel
    from tests.gui.conftest import TINY, tiny_config

    argvs: list[list[str]] = []

    def launch(argv, env, on_line, control):
        argvs.append(argv)
        on_line(json.dumps({"event": "start", "run_id": f"r{len(argvs)}", "run_dir": "/runs/r"}) + "\n")
        on_line(json.dumps({"event": "done", "run_id": f"r{len(argvs)}", "run_dir": "/runs/r", "reason": "budget",
                            "valid": {"bpb": 2.0, "word_ppl": 9.0}, "test": {}}) + "\n")
        return []

    monkeypatch.setattr(study_runner, "launch_local", launch)
    source = next(r for r in RunStore().list() if r.name == "source-scratch")
    width = TINY["hidden_size"]  # the source's
    panel = StudiesPanel(lambda: tiny_config(shakespeare_small, source=str(source.run_dir), transfer="parameter",
                                             max_steps=2))
    qtbot.addWidget(panel)
    panel.axis_names[0].setCurrentText("hidden-size")
    assert panel.axis_values[0].placeholderText()
    qtbot.keyClicks(panel.axis_values[0], f"{width},512")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.message.text() != "", timeout=20_000)
    assert "512 is the default hidden-size" in panel.message.text() and not argvs

    panel.axis_values[0].clear()
    qtbot.keyClicks(panel.axis_values[0], f"{width // 2}")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: f"axis hidden-size {width // 2}:" in panel.message.text(), timeout=20_000)
    assert "Model & Transfer" not in panel.message.text(), "the value came from the axis, not from that panel"
    assert panel.progress.text() == "", "nothing started, so no 0% under the message"

    panel.axis_values[0].clear()
    qtbot.keyClicks(panel.axis_values[0], f"{width},{width + 16}")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(argvs) == 4 and not panel.running, timeout=60_000)
    assert panel.grid.rowCount() == 2
    assert panel.grid.verticalHeaderItem(1).text() == f"hidden-size={width + 16}"
    sizes = sorted((a[next(i for i, x in enumerate(a) if x.startswith("--transfer="))], x)
                   for a in argvs for x in a if x.startswith("--hidden-size="))
    assert sizes == sorted([("--transfer=scratch", f"--hidden-size={width}"),
                            ("--transfer=scratch", f"--hidden-size={width + 16}"),
                            ("--transfer=parameter", f"--hidden-size={width}"),
                            ("--transfer=parameter", f"--hidden-size={width + 16}")])


def _stoppable_launcher(started: list[dict]):  # noqa: ANN202
    """A stand-in for a study run's child: it trains until the study is stopped, then ends stopped."""
    import json
    import time

    def launch(argv, env, on_line, control):  # noqa: ANN001, ANN202
        started.append(env)
        on_line(json.dumps({"event": "start", "run_id": f"r{len(started)}", "run_dir": "/runs/r"}) + "\n")
        deadline = time.monotonic() + 120
        while not control.stopped and time.monotonic() < deadline:
            time.sleep(0.02)
        on_line(json.dumps({"event": "done", "run_id": "r", "run_dir": "/runs/r", "reason": "stopped",
                            "valid": {"bpb": 2.0, "word_ppl": 9.0}, "test": {}}) + "\n")
        return []

    return launch


def test_closing_the_window_during_a_study_asks_first_and_does_not_freeze(make_window, qtbot, runs_home: Path,
                                                                         monkeypatch,
                                                                         shakespeare_small: dict[str, Path]) -> None:
    """A study's unfinished runs train again on Resume, so closing asks first (as a single run does),
    names that cost, and on yes the window stays responsive, showing that it stops, until it closes."""
    from PySide6.QtWidgets import QMessageBox

    from rnnlm_studio.core import study_runner
    from tests.gui.conftest import tiny_config

    started: list[dict] = []
    monkeypatch.setattr(study_runner, "launch_local", _stoppable_launcher(started))
    source = next(r for r in RunStore().list() if r.name == "source-scratch")
    window = make_window()
    panel = window.studies_panel
    panel.config_source = lambda: tiny_config(shakespeare_small, source=str(source.run_dir), max_steps=2)
    window.docks["studies"].raise_()
    panel.axis_names[0].setCurrentText("lr")
    qtbot.keyClicks(panel.axis_values[0], "0.01")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(started) == 1, timeout=60_000)

    asked: list[str] = []
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda _parent, _title, text, *_args: asked.append(text) or answers.pop(0)))
    assert not window.close(), "No keeps the window and the study"
    assert len(asked) == 1 and "Resume" in asked[0] and "again" in asked[0], asked
    assert panel.running and not panel.control.stopped and window.isVisible()

    assert not window.close(), "the window closes once the study's runs have stopped, not before"
    assert len(asked) == 2 and panel.eta_label.text() == "stopping…"
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60_000)
    assert not panel.running and len(asked) == 2, "asked once per close, never again while it stops"


def test_a_studys_runs_train_where_the_model_panels_device_says(make_window, qtbot, runs_home: Path, monkeypatch,
                                                                shakespeare_small: dict[str, Path]) -> None:
    """"GPU 0" or "CPU" in the Model panel reaches every run a study starts or resumes (each run is a
    child process that sees only that device); a torchrun choice, which a study cannot honour, is
    refused in the window's words. The GPU entry exists on any machine (disabled without a GPU)."""
    from rnnlm_studio.core import study_runner
    from tests.gui.conftest import tiny_config

    started: list[dict] = []
    monkeypatch.setattr(study_runner, "launch_local", _stoppable_launcher(started))
    source = next(r for r in RunStore().list() if r.name == "source-scratch")
    window = make_window()
    panel, device_box = window.studies_panel, window.model_panel.device_box
    panel.config_source = lambda: tiny_config(shakespeare_small, source=str(source.run_dir), max_steps=2)
    window.docks["studies"].raise_()
    panel.axis_names[0].setCurrentText("lr")
    qtbot.keyClicks(panel.axis_values[0], "0.01")
    qtbot.keyClicks(panel.name_edit, "on-gpu")

    device_box.setCurrentIndex(device_box.findData("cuda:0"))
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(started) == 1, timeout=60_000)
    assert started[0]["CUDA_VISIBLE_DEVICES"] == "0" and started[0]["RNNLM_STUDIO_WORDING"] == "gui"
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=60_000)

    device_box.setCurrentIndex(device_box.findData("cpu"))
    panel.studies.setCurrentText("on-gpu")
    qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(started) == 2, timeout=60_000)
    assert started[1]["CUDA_VISIBLE_DEVICES"] == "", "resumed on the CPU: the run sees no GPU"
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=60_000)

    device_box.setCurrentIndex(device_box.findData("cpu:2"))
    panel.name_edit.clear()
    qtbot.keyClicks(panel.name_edit, "torchrun")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert not panel.running and len(started) == 2
    assert "At once" in panel.message.text() and "--" not in panel.message.text(), panel.message.text()
