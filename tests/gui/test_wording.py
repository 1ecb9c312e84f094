"""Core's refusals in the window's words: the setting and the panel that holds it, never a command-line flag;
the command line keeps its own (`--multi-source`, `--rank`)."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from rnnlm_studio.core.chain import stage_text
from rnnlm_studio.core.config import ModelConfig, TrainConfig, check_layer_options
from rnnlm_studio.core.errors import StudioError, spell
from rnnlm_studio.core.mapping import apply_mapping
from rnnlm_studio.core.model import RNNLM
from rnnlm_studio.core.multi_source import average_sources
from rnnlm_studio.core.runs import RunStore
from rnnlm_studio.core.tokenizer import Tokenizer
from rnnlm_studio.core.validation import cli_spelling
from rnnlm_studio.gui.wording import MODEL, gui_spelling
from tests.core.test_mapping import UNTIED
from tests.core.test_multi_source import SMALL, english, loaded  # noqa: F401  (english: the tokenizer fixture)


def _average(tokenizer: Tokenizer) -> None:
    average_sources([loaded(tokenizer, SMALL, "a", 0), loaded(tokenizer, dataclasses.replace(SMALL, layers=1), "b", 1)],
                    [])


REFUSALS: dict[str, tuple[Callable[[Tokenizer], object], str, str]] = {  # what fails, the window's words, the CLI's
    "average of unlike sources": (_average, "the method of combining sources", "--multi-source average"),
    "chain stage without text": (lambda _t: stage_text("no-such-run", RunStore()), "the method of combining sources",
                                 "--multi-source chain"),
    "rank too large": (lambda _t: apply_mapping(RNNLM(UNTIED), "lowrank", 100), "the learned mapping's rank",
                       "--rank 100 is too large for --mapping lowrank"),
    "several sources, no method": (lambda _t: TrainConfig(train=["x"], source="a", extra_sources=["b"]).validate(),
                                   "the method of combining sources", "say how they combine with --multi-source"),
    "rank without a mapping": (lambda _t: TrainConfig(train=["x"], rank=4).validate(), "the learned mapping",
                               "--rank sets the rank of the mapping T: set --mapping to"),
    "feature layer outside the source": (
        lambda _t: TrainConfig(transfer="feature", feature_layer=3).target_model(300, ModelConfig(layers=2)),
        "the source layer read", "--feature-layer 3"),
    "layers with task": (
        lambda _t: check_layer_options(TrainConfig(transfer="task", model=ModelConfig(layers=3)), ModelConfig()),
        "the recurrent layers", "--layers, --hidden-size and --no-tie do not apply"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refusal_names_the_window_field_and_no_flag(case: str, english: Tokenizer) -> None:  # noqa: F811
    fail, window_words, cli_words = REFUSALS[case]
    with pytest.raises(StudioError) as info:
        fail(english)
    marked = info.value.args[0]
    in_window = spell(marked, gui_spelling)
    assert f"{window_words} ({MODEL})" in in_window and "--" not in in_window, in_window
    assert cli_words in spell(marked, cli_spelling)
