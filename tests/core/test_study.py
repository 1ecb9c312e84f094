"""Studies: the grid, the pairing with matched baselines, the statistics, resume and the exports.

The runner's child processes are replaced here by a launcher that prints what `train --json` would
(a start and a done line with figures derived from the run's options), so the bookkeeping is tested
without training; tests/e2e/test_cli_study.py runs real tiny runs through the command line.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.errors import StudioError
from rnnlm_studio.core.study import (StudyFolder, StudySpec, default_study_name, grid, make_plan, parse_axis,
                                     summarise, summarise_cell)
from rnnlm_studio.core.study_runner import (CellEvent, RunFinishedEvent, StudyControl, StudyDoneEvent,
                                            resume_study, start_study)
from rnnlm_studio.core.trainer import train


@pytest.fixture(scope="module")
def source_dir(tmp_path_factory: pytest.TempPathFactory, shakespeare_small: dict[str, Path]) -> Path:
    """A tiny source (emb 16, hidden 24, 2 layers), different from the default model the options describe."""
    home = tmp_path_factory.mktemp("source-home")
    config = TrainConfig(train=[str(shakespeare_small["train"])], valid=str(shakespeare_small["valid"]),
                         model=ModelConfig(vocab_size=200, emb_size=16, hidden_size=24, layers=2),
                         batch_size=8, bptt=16, max_steps=3, eval_every=3, precision="fp32", threads=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNLM_STUDIO_HOME", str(home))
        done = list(train(config))[-1]
    return Path(done.best_checkpoint)


def spec_for(data: dict[str, Path], source: Path, axes: list[str], name: str = "s1", repeats: int = 1,
             **options: object) -> StudySpec:
    base = TrainConfig(train=[str(data["train"])], valid=str(data["valid"]), source=str(source),
                       max_steps=2, eval_every=2, threads=1, **options)
    return StudySpec(name=name, base=base.to_dict(), axes=[parse_axis(a) for a in axes], repeats=repeats)


def fake_launcher(log: list[str], bpb_of: Callable[[list[str]], float] | None = None):
    """Prints a start and a done line as `train --json` does; records each run's --name."""
    def launch(argv, env, on_line, control):
        name = argv[argv.index(next(a for a in argv if a.startswith("--name="))):][0].split("=", 1)[1]
        log.append(name)
        bpb = bpb_of(argv) if bpb_of else (2.0 if "--transfer=scratch" in argv else 1.5)
        run_id = f"id-{name}"
        on_line(json.dumps({"event": "start", "run_id": run_id, "run_dir": f"/runs/{run_id}"}) + "\n")
        on_line("a library's chatter\n")
        metrics = {"loss": 1.0, "ppl": 2.7, "word_ppl": 2 ** (bpb * 5), "bpb": bpb}
        on_line(json.dumps({"event": "done", "run_id": run_id, "run_dir": f"/runs/{run_id}", "reason": "budget",
                            "valid": metrics, "test": {}, "elapsed": 0.1}) + "\n")
        return []
    return launch


# ------------------------------------------------------------------ the grid


def test_axis_values_are_checked_before_any_run() -> None:
    assert parse_axis("freeze=none,embedding+rnn.0") == ("freeze", ["none", "embedding+rnn.0"])
    for bad, words in [("speed=1,2", "NAME one of"), ("transfer=scratch", "baseline"), ("lr=nan", "axis lr"),
                       ("fraction=0,1", "(0, 1]"), ("lr=1e-3,1e-3", "twice"), ("transfer", "NAME=V1"),
                       ("average-from=off,1", "axis average-from must"), ("average-from=half", "neither off"),
                       ("hidden-size=wide", "not a whole number"), ("hidden-size=0", "axis hidden-size must"),
                       ("layers=1.5", "not a whole number"), ("layers=0", "axis layers must")]:
        with pytest.raises(StudioError, match=words[:12].replace("(", r"\(").replace(")", r"\)")):
            parse_axis(bad)


def test_mapping_axis_waits_for_the_train_option() -> None:
    if "mapping" in {f for f in TrainConfig.__dataclass_fields__}:
        assert parse_axis("mapping=embedding")[0] == "mapping"
    else:
        with pytest.raises(StudioError, match="needs the train option --mapping"):
            parse_axis("mapping=embedding")


def test_grid_is_every_combination_first_axis_slowest() -> None:
    cells = grid([("transfer", ["parameter", "feature"]), ("fraction", ["0.5", "1"])])
    assert cells == [{"transfer": "parameter", "fraction": "0.5"}, {"transfer": "parameter", "fraction": "1"},
                     {"transfer": "feature", "fraction": "0.5"}, {"transfer": "feature", "fraction": "1"}]


def test_each_cell_has_a_matched_baseline_per_seed(shakespeare_small, source_dir) -> None:
    plan = make_plan(spec_for(shakespeare_small, source_dir, ["transfer=parameter,feature", "fraction=0.5,1"],
                              repeats=2, lr=0.01))
    assert len(plan.cells) == 4
    transfer = [j for j in plan.jobs.values() if j.role == "transfer"]
    baselines = [j for j in plan.jobs.values() if j.role == "baseline"]
    assert len(transfer) == 8
    assert len(baselines) == 8, "a baseline per fraction, seed and architecture trained"
    first, third = plan.cells[0], plan.cells[2]  # parameter/0.5 and feature/0.5
    assert first.baselines != third.baselines and first.baselines != plan.cells[1].baselines
    for cell in plan.cells:
        for repeat, (run, base) in enumerate(zip(cell.runs, cell.baselines)):
            run_cfg, base_cfg = plan.jobs[run].config, plan.jobs[base].config
            assert run_cfg.seed == base_cfg.seed == repeat
            assert run_cfg.train == base_cfg.train and run_cfg.valid == base_cfg.valid
            assert run_cfg.max_steps == base_cfg.max_steps
            assert base_cfg.transfer == "scratch" and base_cfg.tokenizer == "source"
            assert run_cfg.transfer == cell.axes["transfer"]
            # the source's architecture, not the default model the options describe
            assert (base_cfg.model.emb_size, base_cfg.model.hidden_size, base_cfg.model.layers) == (16, 24, 2)
            # feature transfer trains its own output layer: its twin is untied too, the others tied as the source
            assert base_cfg.model.tie_weights == (cell.axes["transfer"] != "feature")
    assert plan.train_bytes["0.5"] < plan.train_bytes["1"]
    assert plan.jobs[first.runs[0]].config.train != plan.jobs[plan.cells[1].runs[0]].config.train


def test_cells_of_one_architecture_share_a_baseline_whatever_the_base_transfer(shakespeare_small,
                                                                               source_dir) -> None:
    """The base options' transfer type (the Model panel's, in the window) is overridden by the axis: it must
    not decide the shared baseline's architecture."""
    plan = make_plan(spec_for(shakespeare_small, source_dir, ["transfer=parameter,ulmfit"], transfer="feature"))
    assert plan.cells[0].baselines == plan.cells[1].baselines
    assert plan.jobs[plan.cells[0].baselines[0]].config.model.tie_weights, "tied, as both cells' runs"


def test_an_lr_axis_leaves_the_baseline_alone(shakespeare_small, source_dir) -> None:
    plan = make_plan(spec_for(shakespeare_small, source_dir, ["lr=1e-3,4e-3"]))
    assert [plan.jobs[c.runs[0]].config.lr for c in plan.cells] == [1e-3, 4e-3]
    assert plan.cells[0].baselines == plan.cells[1].baselines
    assert plan.jobs[plan.cells[0].baselines[0]].config.lr is None  # the scratch default rate


def test_an_average_from_axis_sets_the_transfer_runs_only(shakespeare_small, source_dir) -> None:
    plan = make_plan(spec_for(shakespeare_small, source_dir, ["average-from=off,0.5"]))
    assert [plan.jobs[c.runs[0]].config.average_from for c in plan.cells] == [None, 0.5]
    assert plan.cells[0].baselines == plan.cells[1].baselines
    assert plan.jobs[plan.cells[0].baselines[0]].config.average_from is None


def test_a_hidden_size_axis_grows_the_source_against_a_scratch_run_of_each_width(shakespeare_small,
                                                                                   source_dir) -> None:
    """The source's own width keeps it, a larger one grows it; each cell's baseline is a scratch run of the
    width that cell trains, so a cell's gain measures the source's knowledge, not the extra units."""
    log: list[list[str]] = []
    plan = make_plan(spec_for(shakespeare_small, source_dir, ["hidden-size=24,40"]))
    assert [plan.jobs[c.runs[0]].config.model.hidden_size for c in plan.cells] == [24, 40]
    assert plan.cells[0].baselines != plan.cells[1].baselines
    for cell, width in zip(plan.cells, (24, 40)):
        base = plan.jobs[cell.baselines[0]].config
        assert (base.transfer, base.model.hidden_size, base.model.emb_size, base.model.layers) == (
            "scratch", width, 16, 2)
    list(start_study(spec_for(shakespeare_small, source_dir, ["hidden-size=24,40"], name="width"),
                     launcher=lambda argv, env, on_line, control: log.append(argv) or fake_launcher([])(
                         argv, env, on_line, control)).events())
    grown = [argv for argv in log if "--name=width-cell1-r0" in argv]
    assert grown and "--hidden-size=40" in grown[0] and "--transfer=parameter" in grown[0]


def test_a_layers_axis_adds_layers_each_against_a_scratch_run_of_its_depth(shakespeare_small, source_dir) -> None:
    """The source's own depth, and layers on top of it (starting random): the articles' question of how
    much of the structure to reuse, each depth judged against a scratch run as deep."""
    plan = make_plan(spec_for(shakespeare_small, source_dir, ["layers=2,3,4"]))
    assert [plan.jobs[c.runs[0]].config.model.layers for c in plan.cells] == [2, 3, 4]
    assert [plan.jobs[c.baselines[0]].config.model.layers for c in plan.cells] == [2, 3, 4]
    assert len({c.baselines[0] for c in plan.cells}) == 3


@pytest.mark.parametrize("axis, options, words", [
    ("hidden-size=24,512", {}, "512 is the default hidden-size, which .* source's own \\(24\\)"),
    ("hidden-size=16,24", {}, "the axis hidden-size 16: the source has 24 units per layer and a transfer can only grow"),
    ("hidden-size=24,40", {"transfer": "feature"}, "does not apply to"),
    ("layers=1,2", {}, "1 is the default layers, which .* source's own \\(2\\)"),
])
def test_a_width_the_run_would_not_train_is_refused_before_any_run(shakespeare_small, source_dir, studio_home,
                                                                  axis, options, words) -> None:
    """512 beside a 24-unit source would silently stay at 24 (the default reads as "as the source"); a
    narrower width, or feature transfer, cannot be grown: each is refused with the plan, naming the cell."""
    spec = spec_for(shakespeare_small, source_dir, [axis], name="width", **options)
    with pytest.raises(StudioError, match=f"study cell {axis.split('=')[0]}=.*{words}"):
        start_study(spec, launcher=fake_launcher([]))
    assert not (studio_home / "studies" / "width").exists()


def test_a_study_needs_a_source(shakespeare_small, source_dir) -> None:
    spec = spec_for(shakespeare_small, source_dir, ["lr=1e-3"])
    spec.base["source"] = None
    with pytest.raises(StudioError, match="--source MODEL"):
        spec.validate()


# ------------------------------------------------------------------ statistics


def test_statistics_pair_each_seed_with_its_baseline(shakespeare_small, source_dir) -> None:
    plan = make_plan(spec_for(shakespeare_small, source_dir, ["transfer=parameter"], repeats=3))
    cell = plan.cells[0]
    figures = {cell.runs[0]: 1.0, cell.runs[1]: 1.2, cell.runs[2]: 1.4,
               cell.baselines[0]: 2.0, cell.baselines[1]: 2.0, cell.baselines[2]: 1.0}
    state = {key: {"status": "done", "bpb": bpb, "word_ppl": 10 * bpb, "run_id": key, "split": "valid"}
             for key, bpb in figures.items()}
    summary = summarise_cell(cell, state)
    assert summary.repeats == 3 and summary.complete
    assert summary.bpb_mean == pytest.approx(1.2) and summary.bpb_sd == pytest.approx(0.2)
    assert summary.baseline_bpb_mean == pytest.approx(5 / 3)
    assert summary.gain_bits_mean == pytest.approx((0.5 + 0.4 - 0.4) / 3)  # per seed, then averaged
    assert summary.word_ppl_mean == pytest.approx(12.0)
    state[cell.baselines[2]]["status"] = "running"
    partial = summarise_cell(cell, state)
    assert partial.repeats == 2 and not partial.complete and partial.bpb_mean == pytest.approx(1.1)
    single = summarise_cell(cell, {k: v for k, v in state.items() if k.endswith("r0")})
    assert single.repeats == 1 and single.bpb_sd is None, "one repeat has no standard deviation"


# ------------------------------------------------------------------ running and resuming


def test_a_study_runs_every_job_and_ends_with_the_contract(shakespeare_small, source_dir) -> None:
    log: list[str] = []
    spec = spec_for(shakespeare_small, source_dir, ["transfer=parameter,ulmfit"], repeats=2)
    spec.jobs = 2
    events = list(start_study(spec, launcher=fake_launcher(log)).events())
    assert sorted(log) == sorted(["s1-baseline0-r0", "s1-baseline0-r1", "s1-cell0-r0", "s1-cell0-r1",
                                  "s1-cell1-r0", "s1-cell1-r1"])
    done = events[-1]
    assert isinstance(done, StudyDoneEvent)
    line = json.loads(done.to_json())
    assert list(line) == ["event", "study_dir", "cells"] and line["event"] == "study_done"
    assert [c["axes"] for c in line["cells"]] == [{"transfer": "parameter"}, {"transfer": "ulmfit"}]
    for cell in line["cells"]:
        assert cell["repeats"] == 2 and cell["bpb_mean"] == 1.5 and cell["baseline_bpb_mean"] == 2.0
        assert cell["gain_bits_mean"] == pytest.approx(0.25) and cell["bpb_sd"] == 0.0
    complete = [e for e in events if isinstance(e, CellEvent) and e.complete]
    assert sorted(e.index for e in complete) == [0, 1]
    finished = [e for e in events if isinstance(e, RunFinishedEvent)]
    assert [e.finished for e in finished] == list(range(1, 7)) and finished[-1].eta == 0.0


def test_resume_runs_only_the_unfinished_jobs(shakespeare_small, source_dir) -> None:
    log: list[str] = []
    spec = spec_for(shakespeare_small, source_dir, ["transfer=parameter,ulmfit"], name="resumable")
    control = StudyControl()
    study = start_study(spec, control, launcher=fake_launcher(log))
    for event in study.events():
        if isinstance(event, CellEvent):
            control.stop()  # the first cell is whole: stop, as a closed window or Ctrl-C does
    assert log == ["resumable-baseline0-r0", "resumable-cell0-r0"]
    folder = StudyFolder.open("resumable")
    assert folder.done("b0-r0") and folder.done("c0-r0") and not folder.done("c1-r0")
    folder.record("c1-r0", status="running", run_id="killed")  # a run killed mid-way counts as unfinished
    log.clear()
    events = list(resume_study("resumable", launcher=fake_launcher(log)).events())
    assert log == ["resumable-cell1-r0"]
    cells = events[-1].cells
    assert [c["repeats"] for c in cells] == [1, 1]
    assert cells[0]["run_ids"] == ["id-resumable-cell0-r0"], "the finished cell keeps its first run"
    log.clear()
    list(resume_study("resumable", launcher=fake_launcher(log)).events())
    assert log == [], "a finished study trains nothing more"


def test_a_failed_run_is_reported_and_retried_on_resume(shakespeare_small, source_dir) -> None:
    def failing(argv, env, on_line, control):
        return ["Traceback ...", "error: the source model is damaged"]

    events = list(start_study(spec_for(shakespeare_small, source_dir, ["transfer=parameter"], name="f"),
                              launcher=failing).events())
    failed = [e for e in events if isinstance(e, RunFinishedEvent)]
    assert failed and not any(e.ok for e in failed)
    assert failed[0].message == "the source model is damaged"
    assert events[-1].cells[0]["repeats"] == 0 and events[-1].cells[0]["bpb_mean"] is None
    log: list[str] = []
    list(resume_study("f", launcher=fake_launcher(log)).events())
    assert len(log) == 2


def test_a_study_name_is_used_once(shakespeare_small, source_dir) -> None:
    spec = spec_for(shakespeare_small, source_dir, ["transfer=parameter"], name="twice")
    list(start_study(spec, launcher=fake_launcher([])).events())
    with pytest.raises(StudioError, match="--resume twice"):
        start_study(spec, launcher=fake_launcher([]))
    with pytest.raises(StudioError, match="no study named 'nope'"):
        StudyFolder.open("nope")


def test_unnamed_studies_started_within_a_second_get_names_of_their_own(shakespeare_small, source_dir,
                                                                        monkeypatch) -> None:
    monkeypatch.setattr(time, "strftime", lambda pattern: "study-20261203-040000")
    names = []
    for _ in range(3):
        names.append(default_study_name())
        start_study(spec_for(shakespeare_small, source_dir, ["transfer=parameter"], name=names[-1]),
                    launcher=fake_launcher([]))
    assert names == ["study-20261203-040000", "study-20261203-040000-2", "study-20261203-040000-3"]


def test_a_new_study_is_planned_once(shakespeare_small, source_dir, monkeypatch) -> None:
    """Planning reads every corpus and source (and cuts a fraction study's shares): checking a new study
    before its folder is written and running it share one plan."""
    from rnnlm_studio.core import study_runner

    plans = []
    monkeypatch.setattr(study_runner, "make_plan", lambda spec: plans.append(spec) or make_plan(spec))
    study = start_study(spec_for(shakespeare_small, source_dir, ["transfer=parameter"], name="once"),
                        launcher=fake_launcher([]))
    assert len(plans) == 1 and study.plan.jobs
    resumed = resume_study("once", launcher=fake_launcher([]), device="cpu")
    assert len(plans) == 2, "a resumed study is planned afresh, from its stored spec"
    assert {job.config.device for job in resumed.plan.jobs.values()} == {"cpu"}, "resumed where the user says now"


def test_bad_input_leaves_no_study_folder(shakespeare_small, source_dir, studio_home) -> None:
    spec = spec_for(shakespeare_small, source_dir, ["transfer=parameter"], name="bad")
    spec.base["source"] = str(source_dir.parent / "no-such-model")
    with pytest.raises(StudioError):
        start_study(spec, launcher=fake_launcher([]))
    assert not (studio_home / "studies" / "bad").exists()



@pytest.mark.parametrize("options, axis", [({"transfer": "feature", "feature_layer": 0}, "transfer=parameter,feature"),
                                           ({"model": ModelConfig(layers=3)}, "transfer=parameter,feature")])
def test_a_layer_option_one_cells_transfer_refuses_is_refused_before_any_run(
        shakespeare_small, source_dir, studio_home, options, axis) -> None:
    """The layer options apply to every cell: one whose transfer type cannot take them (a lower source
    layer read by a parameter cell, more layers for a feature cell) would fail in every run of the cell,
    after the study had started; it is refused with the plan, and nothing is left behind."""
    spec = spec_for(shakespeare_small, source_dir, [axis], name="layers", **options)
    with pytest.raises(StudioError, match="transfer=(parameter|feature)"):
        start_study(spec, launcher=fake_launcher([]))
    assert not (studio_home / "studies" / "layers").exists()


# ------------------------------------------------------------------ exports


def fraction_cells() -> list[dict]:
    cells = []
    for fraction, gain, sd in (("0.1", 0.3, 0.02), ("0.5", 0.1, None), ("1", -0.1, 0.01)):
        cells.append({"axes": {"fraction": fraction}, "repeats": 2, "bpb_mean": 2.0 * (1 - gain), "bpb_sd": sd,
                      "baseline_bpb_mean": 2.0, "baseline_bpb_sd": 0.05, "gain_bits_mean": gain, "gain_bits_sd": sd,
                      "word_ppl_mean": 120.0, "baseline_word_ppl_mean": 3.2e14, "split": "test",
                      "train_bytes": int(float(fraction) * 1000)})
    return cells


def test_csv_has_a_row_per_cell_and_blanks_for_missing_figures() -> None:
    from rnnlm_studio.core.study_export import study_csv

    rows = study_csv(fraction_cells()).splitlines()
    assert rows[0].startswith("fraction,repeats,bpb_mean,bpb_sd,baseline_bpb_mean")
    assert len(rows) == 4 and rows[2].split(",")[3] == "", "a missing sd is an empty field, not 'None'"
    assert rows[3].split(",")[:2] == ["1", "2"]


def test_markdown_report_names_negative_transfer_and_the_crossing_point() -> None:
    from rnnlm_studio.core.study_export import crossing, study_markdown

    spec = {"base": {"source": "english-lstm", "transfer": "parameter", "time_budget": 60.0, "seed": 0},
            "axes": [("fraction", ["0.1", "0.5", "1"])], "repeats": 2}
    report = study_markdown("curve", spec, fraction_cells(), ["data-efficiency.png"])
    assert report.startswith("# Study curve")
    assert "| 1 | 2 | 2.200 ± 0.010 | 2.000 ± 0.050 | -0.100 ± 0.010 (negative transfer) | 120.0 | 3.2e+14 |" in report
    assert "Negative transfer (the source hurt): fraction=1." in report
    point = crossing([(0.1, 0.3), (0.5, 0.1), (1.0, -0.1)])
    assert 0.5 < point < 1.0 and f"{point:.3g}" in report
    assert crossing([(0.1, 0.3), (1.0, 0.1)]) is None
    assert "![data-efficiency.png](data-efficiency.png)" in report


# ------------------------------------------------------------------ the Python API


def test_the_api_yields_the_cli_events(shakespeare_small, source_dir, monkeypatch) -> None:
    import rnnlm_studio
    from rnnlm_studio.core import study_runner

    log: list[str] = []
    monkeypatch.setattr(study_runner, "launch_local", fake_launcher(log))
    events = list(rnnlm_studio.study(shakespeare_small["train"], valid=str(shakespeare_small["valid"]),
                                     source=str(source_dir), axes={"freeze": [[], ["embedding", "rnn.0"]]},
                                     repeats=2, max_steps=2, name="api"))
    assert [e.kind for e in events[:1]] == ["study_start"] and events[-1].kind == "study_done"
    assert [c["axes"] for c in events[-1].cells] == [{"freeze": "none"}, {"freeze": "embedding+rnn.0"}]
    assert len(log) == 6 and all(c["repeats"] == 2 for c in events[-1].cells)
    log.clear()
    again = rnnlm_studio.study(resume="api")
    assert again.run().cells == events[-1].cells and log == []


def test_a_study_keeps_absolute_paths_so_it_resumes_from_anywhere(shakespeare_small, source_dir, monkeypatch) -> None:
    monkeypatch.chdir(shakespeare_small["train"].parent)
    spec = StudySpec(name="rel", base=TrainConfig(train=["train.txt"], valid="valid.txt", source="no-such-name").to_dict(),
                     axes=[parse_axis("lr=1e-3")])
    assert spec.base["train"] == [str(shakespeare_small["train"])] and spec.base["valid"] == str(shakespeare_small["valid"])
    assert spec.base["source"] == "no-such-name", "a model name stays a name"


def test_the_baseline_has_the_architecture_the_transfer_runs_train(shakespeare_small, source_dir) -> None:
    """Layers and untying asked for with a source shape the transfer target (config.target_model): the
    scratch twin must get the same, or the gain would measure the architecture as much as the transfer."""
    spec = spec_for(shakespeare_small, source_dir, ["lr=1e-3"], model=ModelConfig(layers=3, tie_weights=False))
    plan = make_plan(spec)
    base = plan.jobs[plan.cells[0].baselines[0]].config.model
    assert (base.emb_size, base.hidden_size, base.layers, base.tie_weights) == (16, 24, 3, False)
    feature = make_plan(spec_for(shakespeare_small, source_dir, ["fraction=0.5,1"], transfer="feature"))
    base = feature.jobs[feature.cells[0].baselines[0]].config.model
    assert (base.layers, base.tie_weights) == (2, False), "feature transfer trains an untied output layer"


def test_a_second_stop_does_not_signal_the_children_again() -> None:
    """A child's CLI takes a second SIGTERM as "abort now, no checkpoint": Stop and then closing the
    window (or the runner's own clean-up after a stop) must not send it."""
    class Child:
        signals = 0

        def terminate(self) -> None:
            self.signals += 1

    control, child = StudyControl(), Child()
    control.watch(child, True)
    control.stop()
    control.stop()
    assert control.stopped and child.signals == 1


def test_a_study_runs_in_one_process_at_a_time(shakespeare_small, source_dir) -> None:
    """Two passes over one study (the window's Resume while `study --resume` runs) would each rewrite
    state.json from their own copy, dropping the other's finished runs, and train the same runs twice."""
    spec = spec_for(shakespeare_small, source_dir, ["transfer=parameter,feature"], name="locked")
    first = start_study(spec, launcher=fake_launcher([])).events()
    next(first)  # started: it holds the study
    log: list[str] = []
    with pytest.raises(StudioError, match="study locked is being run"):
        list(resume_study("locked", launcher=fake_launcher(log)).events())
    assert log == []
    list(first)
    first.close()
    list(resume_study("locked", launcher=fake_launcher(log)).events())  # the first pass let go of it


def test_ctrl_c_pressed_again_aborts_the_runs_too(shakespeare_small, source_dir, monkeypatch) -> None:
    """The first Ctrl-C stops a study (one SIGTERM each: the runs save their checkpoints); the second
    one, as for `train`, aborts at once: the runs get their second signal instead of being waited for."""
    import queue
    import threading

    from rnnlm_studio.core import study_runner

    control = StudyControl()

    class Child:
        def __init__(self) -> None:
            self.signals, self.aborted = 0, threading.Event()

        def terminate(self) -> None:
            self.signals += 1
            if self.signals == 2:
                self.aborted.set()

    children: list[Child] = []

    def launch(argv, env, on_line, control):
        child = Child()
        children.append(child)
        control.watch(child, True)
        control.stop()  # the first Ctrl-C
        on_line(json.dumps({"event": "start", "run_id": "r", "run_dir": "/runs/r"}) + "\n")
        child.aborted.wait(30)
        control.watch(child, False)
        return []

    class SecondCtrlC(queue.Queue):
        def get(self, *args, **kwargs):
            if control.stopped and children:
                raise KeyboardInterrupt
            return super().get(*args, **kwargs)

    monkeypatch.setattr(study_runner.queue, "Queue", SecondCtrlC)
    study = start_study(spec_for(shakespeare_small, source_dir, ["lr=1e-3"], name="abort"), control, launch)
    with pytest.raises(KeyboardInterrupt):
        list(study.events())
    assert [child.signals for child in children] == [2]
