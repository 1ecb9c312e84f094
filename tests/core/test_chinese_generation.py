"""Chinese through the whole core: a small character model trained here on 红楼梦, then
autocomplete (next characters and short phrases), sampling that stops at 。, and the per-character
metric and the run name that training reports."""
from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch
from torch.nn import functional as F

from rnnlm_studio.core import autocomplete, decoding, sampling
from rnnlm_studio.core.checkpoint import LoadedModel, load_model
from rnnlm_studio.core.config import ModelConfig, TrainConfig
from rnnlm_studio.core.events import DoneEvent, EvalEvent
from rnnlm_studio.core.sampling_options import SamplingOptions
from rnnlm_studio.core.trainer import train
from rnnlm_studio.core.words import count_words, is_cjk, split_partial
from tests.conftest import SHARED_DATA

NOVEL = SHARED_DATA / "chinese-classics" / "hongloumeng.txt"
MIXED = "我用Python写代码。"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, LoadedModel]:
    """About 40,000 characters of the novel, a mixed Chinese-English line every tenth line."""
    root = tmp_path_factory.mktemp("chinese")
    lines = [line for line in NOVEL.read_text(encoding="utf-8").split("\n")[1:400] if line.strip()]
    mixed = [line for index, line in enumerate(lines[:150]) for line in ((line, MIXED) if index % 10 else (line,))]
    (root / "红楼梦.txt").write_text("\n".join(mixed) + "\n", encoding="utf-8")
    (root / "valid.txt").write_text("\n".join(lines[150:165]) + "\n", encoding="utf-8")
    config = TrainConfig(train=[str(root / "红楼梦.txt")], valid=str(root / "valid.txt"), tokenizer_kind="char",
                         model=ModelConfig(vocab_size=2500, emb_size=48, hidden_size=96), batch_size=16, bptt=24,
                         lr=3e-2, warmup_steps=5, max_steps=250, eval_every=125, precision="fp32", threads=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNLM_STUDIO_HOME", str(root / "home"))
        events = list(train(config))
        done = events[-1]
        assert isinstance(done, DoneEvent), events[-1]
        loaded = load_model(done.best_checkpoint, torch.device("cpu"))
    return events, loaded


@pytest.mark.parametrize("prompt, expected", [
    ("我今天去北京", ("我今天去北京", "")),
    ("我用Pyth", ("我用", "Pyth")),
    ("他说：“好", ("他说：“好", "")),
    ("黛玉笑道：“", ("黛玉笑道：“", "")),
    ("我用\"", ("我用\"", "")),
    ("我用\"Py", ("我用", "\"Py")),
    ("北京 and Shang", ("北京 and ", "Shang")),
    ("the ki", ("the ", "ki")),
])
def test_split_partial_sees_each_chinese_character_as_a_word(prompt: str, expected: tuple[str, str]) -> None:
    assert split_partial(prompt) == expected


def test_the_run_is_named_after_the_file_and_measured_per_character(run: tuple[list, LoadedModel]) -> None:
    events, loaded = run
    done = events[-1]
    assert Path(done.run_dir).name.split("-", 2)[2].startswith("红楼梦-scratch")
    assert done.word_unit == "character"
    assert {e.word_unit for e in events if isinstance(e, EvalEvent)} == {"character"}
    # word ppl = exp(total NLL / words) with every character a word: its log is the loss times tokens per
    # word (to the rounding of a partial last batch; whitespace words would make the ratio about 70).
    lines = (Path(done.run_dir).parents[2] / "valid.txt").read_text(encoding="utf-8").splitlines()
    tokens = sum(len(ids) + 1 for ids in loaded.tokenizer.encode_many(lines))
    words = sum(count_words(line) for line in lines)
    assert words > 0.95 * len("".join("".join(lines).split()))
    assert math.log(done.valid["word_ppl"]) / done.valid["loss"] == pytest.approx((tokens - 1) / words, rel=1e-3)


def test_suggestions_after_chinese_text_are_next_characters(run: tuple[list, LoadedModel]) -> None:
    _, loaded = run
    prompt = "却说宝玉"
    suggestions = autocomplete.Autocompleter(loaded.model, loaded.tokenizer).suggest(prompt, k=5)
    assert len(suggestions.words) == 5
    for word in suggestions.words:
        assert word.text == word.word and len(word.word) == 1 and is_cjk(word.word), word
    probabilities = [w.probability for w in suggestions.words]
    assert probabilities == sorted(probabilities, reverse=True) and sum(probabilities) <= 1
    # The best suggestion is the model's most probable next character (each one ends a word).
    ids = decoding.context_ids(loaded.tokenizer, prompt)
    with torch.inference_mode():
        log_probs = F.log_softmax(loaded.model(torch.tensor([ids]))[0][0, -1], dim=-1)
    chars = [(p, loaded.tokenizer.id_to_piece(i)) for i, p in enumerate(log_probs.tolist())]
    best = max((p, c) for p, c in chars if len(c) == 1 and is_cjk(c) and c.isalnum())[1]
    assert suggestions.words[0].word == best
    # The ghost text is a short phrase: that character and the next two (and punctuation), no spaces.
    assert suggestions.phrase.startswith(best) and " " not in suggestions.phrase
    assert 2 <= len(re.findall(r"\w", suggestions.phrase)) <= 3


def test_a_latin_word_typed_after_chinese_is_completed(run: tuple[list, LoadedModel]) -> None:
    _, loaded = run
    words = autocomplete.complete(loaded, "我用Pyth", k=3)
    assert words and words[0].word == "Python" and words[0].text == "on"


def test_sampling_stops_at_a_chinese_sentence_end(run: tuple[list, LoadedModel]) -> None:
    _, loaded = run
    texts = ["".join(sampling.generate(loaded, "宝玉", SamplingOptions(max_tokens=300, stop_at="sentence", seed=s)))
             for s in range(3)]
    ended = [t for t in texts if re.search(r"[。！？][”’」』]*$", t)]
    assert ended, texts
    assert all(not re.search(r"[。！？][”’」』]*.", t) for t in ended)  # nothing after the end
