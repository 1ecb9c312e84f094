"""CJK text in names and fixed-width tables: names keep their characters, columns stay aligned."""
from __future__ import annotations

from pathlib import Path

import pytest

from rnnlm_studio.core.compare import compare_runs, format_table
from rnnlm_studio.core.formatting import columns, display_width, pad
from rnnlm_studio.core.runs import RunStore, default_name, slug


@pytest.mark.parametrize("text, width", [("abc", 3), ("红楼梦", 6), ("红楼梦-scratch", 14), ("ＡＢ", 4),
                                          ("e\u0301", 1), ("café", 4), ("", 0), ("かな", 4)])
def test_display_width(text: str, width: int) -> None:
    assert display_width(text) == width


def test_pad_fills_to_display_columns() -> None:
    assert pad("红楼梦", 8) == "红楼梦  " and pad("红楼梦", 8, ">") == "  红楼梦" and pad("toolong", 3) == "toolong"


def test_columns_line_up_in_display_columns() -> None:
    lines = columns([("run", "ppl"), ("红楼梦-scratch", "12.5"), ("english", "7.0")], right={1})
    ends = {display_width(line) for line in lines}
    assert len(ends) == 1  # every line ends in the same column
    assert lines[1].startswith("红楼梦-scratch  ") and lines[2].endswith("  7.0")


@pytest.mark.parametrize("path, name", [("data/红楼梦.txt", "红楼梦-scratch"), ("a/水浒传 第一回.txt", "水浒传-第一回-scratch"),
                                        ("红楼梦/train.txt", "红楼梦-scratch"), ("x/Café_Noir.txt", "café-noir-scratch")])
def test_run_names_keep_chinese_characters(path: str, name: str) -> None:
    assert default_name({"train": [path]}, "scratch") == name


def test_run_ids_and_folders_keep_chinese_characters(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    record = store.create(name=None, config={"train": ["/data/红楼梦.txt"]}, source=None, transfer="scratch")
    assert record.name == "红楼梦-scratch" and "-红楼梦-scratch-" in record.id
    assert record.run_dir.is_dir() and store.find("红楼梦-scratch").id == record.id
    assert slug("!!!") == "run"


def test_compare_table_aligns_a_chinese_run_name(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    ids = [store.create(name=name, config={}, source=None, transfer="scratch").id for name in ("红楼梦", "english")]
    rows, _, _ = compare_runs(store, ids)
    header, first, second = format_table(rows).splitlines()
    column = display_width(header[:header.index("transfer")])
    assert display_width(first[:first.index("scratch")]) == column == display_width(second[:second.index("scratch")])
