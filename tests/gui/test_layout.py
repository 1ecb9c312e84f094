"""The window at a small laptop's 1024×700: every panel usable, nothing clipped or overlapping (issue #20,
defect 8). Checked by geometry, as a user would by looking: each key widget lies inside the window and inside
its scroll area's view without scrolling sideways, and has at least the size it asks for."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QMainWindow, QTabBar, QWidget

SMALL = (1024, 700)


def _rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def _problems(window: QMainWindow, widget: QWidget, name: str, *, scrolls_down: bool = True) -> list[str]:
    """What keeps a user from seeing `widget` whole (empty when nothing does); `scrolls_down`: a form a user
    may scroll down to reach it, never sideways."""
    found = []
    if not widget.isVisible():
        return [f"{name} is hidden"]
    rect = _rect_in(widget, window)
    inside = (rect.left() >= 0 and rect.right() <= window.width()) if scrolls_down else window.rect().contains(rect)
    if not inside:
        found.append(f"{name} reaches outside the window: {_rect_in(widget, window)} in {window.rect()}")
    if widget.width() < widget.sizeHint().width() or widget.height() < widget.minimumSizeHint().height():
        found.append(f"{name} is squeezed: {widget.size()} < {widget.sizeHint()}")
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            view, rect = parent.viewport(), _rect_in(widget, parent.viewport())
            sideways = rect.left() >= 0 and rect.right() <= view.width()
            if not sideways or (not scrolls_down and not view.rect().contains(rect)):
                found.append(f"{name} is outside the view of its scroll area: {rect} in {view.rect()}")
        parent = parent.parentWidget()
    return found


def _small_window(make_window, qtbot):  # noqa: ANN001, ANN202
    window = make_window()
    window.resize(*SMALL)
    window.reset_layout()  # View ▸ Reset layout: what a first start on a 1024×700 screen gets
    qtbot.wait(50)
    assert (window.width(), window.height()) == SMALL, "the window cannot shrink to a 1024×700 screen"
    return window


def test_training_panel_shows_export_and_both_plots_at_1024x700(make_window, qtbot) -> None:
    window = _small_window(make_window, qtbot)
    plots = window.training_panel.plots
    problems = []
    for name, widget in (("Export", plots.export_button), ("loss plot", plots.loss_plot),
                         ("perplexity plot", plots.ppl_plot), ("metric selector", plots.metric_box),
                         ("progress", window.training_panel.progress), ("time budget", window.training_panel.time_spin)):
        problems += _problems(window, widget, name, scrolls_down=False)
    assert not problems
    assert plots.loss_plot.height() >= plots.loss_plot.minimumHeight()
    step = window.training_panel.numbers["step"]  # the longest live number, shown whole beside the others
    step.setText("12,345 / 45,678 (epoch 3)")
    assert step.fontMetrics().horizontalAdvance(step.text()) <= step.contentsRect().width(), step.size()
    def title_inside(plot) -> bool:  # noqa: ANN001
        return plot.mapFromScene(plot.plotItem.titleLabel.item.sceneBoundingRect().topRight()).x() <= plot.width()

    for plot in (plots.loss_plot, plots.ppl_plot):  # a title that does not fit ends in "…", whole in its tooltip
        qtbot.waitUntil(lambda plot=plot: title_inside(plot), timeout=5_000)
        label = plot.plotItem.titleLabel
        assert label.text == plot.full_title or label.text.endswith("…")
        assert label.toolTip() == plot.full_title
        axis = plot.getAxis("left")  # a rotated axis label is never elided: it must fit the axis's height
        text, room = axis.label.mapRectToScene(axis.label.boundingRect()), axis.sceneBoundingRect()
        assert room.top() <= text.top() and text.bottom() <= room.bottom(), axis.labelText


def _problems_on_tab(window: QMainWindow, qtbot, key: str, fields: dict[str, QWidget]) -> list[str]:  # noqa: ANN001
    """Bring the dock's tab to the front, as a user clicks it; what keeps each field from being seen."""
    window.docks[key].raise_()
    qtbot.waitUntil(next(iter(fields.values())).isVisible)
    return [problem for name, widget in fields.items() for problem in _problems(window, widget, name)]


def test_corpus_panel_at_1024x700_has_no_overlaps_or_clipped_fields(make_window, qtbot) -> None:
    window = _small_window(make_window, qtbot)
    panel = window.corpus_panel
    assert not _problems_on_tab(window, qtbot, "corpus", {
        "vocabulary size": panel.vocab_spin, "tokenizer kind": panel.kind_box, "valid share": panel.valid_percent,
        "test share": panel.test_percent, "new tokenizer": panel.new_radio})
    note, row = _rect_in(panel.split_label, panel), _rect_in(panel.valid_percent, panel)
    assert not note.intersects(row), "the split note overlaps the split fields"
    assert panel.split_label.height() >= panel.split_label.heightForWidth(panel.split_label.width())
    tab_bars = [bar for bar in window.findChildren(QTabBar) if bar.isVisible()]
    assert tab_bars, "the left docks share a tab bar"
    panel_area = _rect_in(window.docks["corpus"].widget(), window)
    assert not any(_rect_in(bar, window).intersects(panel_area) for bar in tab_bars), \
        "the dock tab bar overlaps the Corpus panel"


def test_playground_shows_every_sampling_field_at_1024x700(make_window, qtbot) -> None:
    window = _small_window(make_window, qtbot)
    play = window.playground
    assert not _problems_on_tab(window, qtbot, "playground", {
        "Top-p": play.top_p, "Temperature": play.temperature, "Top-k": play.top_k, "Length": play.length,
        "Seed": play.seed, "Generate": play.generate_button, "Stop": play.stop_button, "model list": play.model_box})


def test_the_model_form_fits_its_dock_width_at_1024x700(make_window, qtbot) -> None:
    window = _small_window(make_window, qtbot)
    panel = window.model_panel
    assert panel.source is not None, "the bundled default source is chosen on a first start"
    panel.transfer_box.setCurrentText("feature")  # every layer option of a transfer target shows
    layers = panel.target_layers
    assert not _problems_on_tab(window, qtbot, "model", {
        "learning rate": panel.lr_spin, "LR schedule": panel.schedule_box, "baseline": panel.baseline_check,
        "transfer": panel.transfer_box, "target layers": layers.layers_spin, "target width": layers.hidden_spin,
        "own output layer": layers.untie_check,
        "source layer read": layers.feature_spin})


def test_extra_space_goes_to_the_plots(make_window, qtbot) -> None:
    window = _small_window(make_window, qtbot)
    small = window.training_panel.plots.loss_plot.size()
    window.resize(1600, 1000)
    window.reset_layout()
    qtbot.wait(50)
    large = window.training_panel.plots.loss_plot.size()
    assert large.width() > small.width() + 150 and large.height() > small.height() + 150


def test_the_runs_panel_with_a_lineage_open_at_1024x700(make_window, qtbot, runs_home, artifacts) -> None:  # noqa: ANN001
    window = _small_window(make_window, qtbot)
    panel = window.runs_panel
    qtbot.waitUntil(lambda: len(panel.records) == 3, timeout=10_000)
    panel.select_runs([next(r.id for r in panel.records.values() if r.transfer == "parameter")])
    qtbot.mouseClick(panel.lineage_button, Qt.MouseButton.LeftButton)
    tree = panel.lineage_view.tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1, timeout=10_000)
    window.grab().save(str(artifacts / "runs-lineage-1024x700.png"))
    problems = []
    for name, widget in (("filter", panel.filter_edit), ("New run from these settings", panel.new_from_button),
                         ("Lineage", panel.lineage_button), ("run table", panel.table), ("lineage tree", tree)):
        problems += _problems(window, widget, name, scrolls_down=False)
    assert not problems
    assert panel.table.width() > tree.width() >= 250, "the table keeps the larger share beside a readable tree"
    assert tree.visualItemRect(tree.topLevelItem(0).child(0)).bottom() <= tree.viewport().height(), \
        "both generations in view without scrolling"


def test_a_long_status_message_ends_in_an_ellipsis_beside_the_threads_count(make_window, qtbot) -> None:
    """A finished run's folder can be long; the message must neither widen the window nor run under the
    threads count, and its tooltip keeps all of it."""
    window = _small_window(make_window, qtbot)
    message = "Run 20261203-034014-english-lstm-6-6ac9 finished — " + "/home/someone/.local/share/rnnlm-studio/runs/" * 3
    window.status_label.setText(message)
    qtbot.wait(50)
    threads = next(label for label in window.statusBar().findChildren(QLabel) if "threads" in label.text())
    shown, beside = _rect_in(window.status_label, window), _rect_in(threads, window)
    assert window.width() == SMALL[0] and shown.right() < beside.left(), (shown, beside)
    assert window.status_label.toolTip() == message
    assert window.status_label.fontMetrics().horizontalAdvance(QLabel.text(window.status_label)) <= shown.width()
