"""The Model panel's several sources and learned mapping: a user's choices become the child run's argv."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from rnnlm_studio.core.config import TrainConfig
from rnnlm_studio.core.runs import RunStore
from rnnlm_studio.core.train_options import train_argv
from rnnlm_studio.gui.model_panel import ModelPanel
from tests.gui.test_model_panel import panel  # noqa: F401  (the panel fixture)


def run_dir(name: str) -> str:
    """A finished run of the runs_home fixture (the panel lists it once its sources are refreshed)."""
    return str(next(r for r in RunStore().list() if r.name == name).run_dir)


def tick(panel: ModelPanel, ref: str) -> None:
    table = panel.more_sources.table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == ref)
    table.item(row, 0).setCheckState(Qt.CheckState.Checked)


def argv_of(panel: ModelPanel) -> list[str]:
    config = TrainConfig(train=["/data/corpus.txt"])
    panel.apply_to(config)
    config.validate()  # what the panel writes always passes the trainer's checks
    return train_argv(config)


def test_averaging_two_runs_with_weights(panel: ModelPanel, runs_home: Path) -> None:
    panel.refresh_sources()
    first, second = run_dir("source-scratch"), run_dir("shakespeare-parameter")
    panel.set_source(first)
    panel.transfer_box.setCurrentText("parameter")
    refs = [panel.more_sources.table.item(r, 0).data(Qt.ItemDataRole.UserRole)
            for r in range(panel.more_sources.table.rowCount())]
    assert second in refs and first not in refs, "the chosen source is not offered twice"
    tick(panel, second)
    panel.more_sources.method_box.setCurrentText("average")
    panel.more_sources.primary_weight.setValue(3.0)
    argv = argv_of(panel)
    assert [a for a in argv if a.startswith("--source")] == [f"--source={first}", f"--source={second}",
                                                             "--source-weights=3.0,1.0"]
    assert "--multi-source=average" in argv and "--mapping=none" in argv


def test_mixture_is_offered_with_feature_transfer_only(panel: ModelPanel, runs_home: Path) -> None:
    panel.refresh_sources()
    panel.set_source(run_dir("source-scratch"))
    panel.transfer_box.setCurrentText("feature")
    tick(panel, run_dir("shakespeare-parameter"))
    panel.more_sources.method_box.setCurrentText("mixture")
    assert "--multi-source=mixture" in argv_of(panel)
    panel.transfer_box.setCurrentText("parameter")
    mixture = panel.more_sources.method_box.model().item(1)
    assert not mixture.isEnabled() and panel.more_sources.method_box.currentText() == "average"
    panel.transfer_box.setCurrentText("structure")
    assert not panel.more_sources.isEnabled()
    assert not any(a.startswith("--multi-source") for a in argv_of(panel))


def test_the_mapping_and_its_rank_reach_the_argv(panel: ModelPanel, runs_home: Path) -> None:
    panel.refresh_sources()
    panel.set_source(run_dir("source-scratch"))
    panel.transfer_box.setCurrentText("parameter")
    assert panel.mapping_box.isVisibleTo(panel)
    panel.mapping_box.kind_box.setCurrentText("lowrank")
    panel.mapping_box.rank_spin.setValue(3)
    argv = argv_of(panel)
    assert "--mapping=lowrank" in argv and "--rank=3" in argv
    panel.mapping_box.rank_spin.setValue(0)
    assert not any(a.startswith("--rank") for a in argv_of(panel)), "rank 0 means the default"
    panel.transfer_box.setCurrentText("feature")
    assert not panel.mapping_box.isVisibleTo(panel) and "--mapping=none" in argv_of(panel)


def test_choices_survive_the_saved_state(panel: ModelPanel, qtbot, runs_home: Path) -> None:
    panel.refresh_sources()
    second = run_dir("shakespeare-parameter")
    panel.set_source(run_dir("source-scratch"))
    panel.transfer_box.setCurrentText("parameter")
    tick(panel, second)
    panel.more_sources.method_box.setCurrentText("chain")
    state = panel.state()
    other = ModelPanel()
    qtbot.addWidget(other)
    other.set_state(state)
    assert other.more_sources.chosen() == [second] and other.more_sources.method_box.currentText() == "chain"
    assert other.state()["config"] == state["config"]


def test_a_chain_trains_through_the_sources_in_the_order_the_user_sets(panel: ModelPanel, qtbot,  # noqa: ANN001
                                                                        runs_home: Path) -> None:
    """A chain fine-tunes on its sources in turn: the arrows set that order, ticked sources stay on top,
    and a restored run gets its own order back, not the list's."""
    panel.refresh_sources()
    panel.set_source(run_dir("source-scratch"))
    panel.transfer_box.setCurrentText("parameter")
    box = panel.more_sources
    first = run_dir("shakespeare-parameter")
    second = box.table.item(box.table.rowCount() - 1, 0).data(Qt.ItemDataRole.UserRole)  # a bundled model
    assert second != first
    tick(panel, first)
    tick(panel, second)
    box.method_box.setCurrentText("chain")
    assert box.chosen() == [first, second]
    row = next(r for r in range(box.table.rowCount()) if box.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == second)
    box.table.selectRow(row)
    for _ in range(row):
        qtbot.mouseClick(box.up_button, Qt.MouseButton.LeftButton)
    assert box.table.currentRow() == 0 and box.chosen() == [second, first]
    argv = argv_of(panel)
    sources = [a for a in argv if a.startswith("--source=")]
    assert sources[1:] == [f"--source={second}", f"--source={first}"] and "--multi-source=chain" in argv

    state = panel.state()
    other = ModelPanel()
    qtbot.addWidget(other)
    other.set_state(state)
    assert other.more_sources.chosen() == [second, first]
    panel.refresh_sources()  # the list is offered again (a run finished): the order stays
    assert box.chosen() == [second, first]
