"""A model folder's card: `README.md` with YAML metadata on top, as the Hugging Face Hub reads it.

The metadata block (language, license, tags, datasets, metrics) lets a model folder be uploaded to
a hub as it is and found by its tags; the Markdown below it is what the app shows. Folders written
before the card had a name and metadata (`card.md`) still load. Only the small YAML subset written
here is read back (scalars and lists of scalars), so no YAML library is needed.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CARD = "README.md"
LEGACY_CARD = "card.md"
FENCE = "---"
GENERIC_STEMS = {"input", "train", "valid", "test", "data", "text", "corpus"}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def front_matter(metadata: dict[str, Any]) -> str:
    lines = [FENCE]
    for key, value in metadata.items():
        if value is None or value == []:
            continue
        if isinstance(value, (list, tuple)):
            lines.append(f"{key}:")
            lines.extend(f"- {_scalar(item)}" for item in value)
        else:
            lines.append(f"{key}: {_scalar(value)}")
    return "\n".join([*lines, FENCE]) + "\n"


def _parse_scalar(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)  # numbers, booleans, double-quoted strings
    except ValueError:
        return text.strip("'")


def split_card(text: str) -> tuple[dict[str, Any], str]:
    """(metadata, Markdown body); a card without a front-matter block has no metadata."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE or FENCE not in (line.strip() for line in lines[1:]):
        return {}, text
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    metadata: dict[str, Any] = {}
    key = None
    for line in lines[1:end]:
        if line.startswith("- ") and key is not None:
            metadata.setdefault(key, []).append(_parse_scalar(line[2:]))
        elif ":" in line and not line.startswith(" "):
            key, value = line.split(":", 1)
            key = key.strip()
            if value.strip():
                metadata[key] = _parse_scalar(value)
    return metadata, "\n".join(lines[end + 1:]).lstrip("\n")


def datasets_of(train: list[str]) -> list[str]:
    """Dataset names from training files: the folder of a generically named file
    (`wikitext-2/valid.txt` -> wikitext-2), else the file's stem."""
    names = []
    for item in train:
        path = Path(item)
        name = path.parent.name if path.stem.lower() in GENERIC_STEMS and path.parent.name else path.stem
        if name and name not in names:
            names.append(name)
    return names


def card_metadata(config: dict[str, Any], *, language: str | list[str] | None = None,
                  license: str | None = None) -> dict[str, Any]:
    """Hub metadata from a model's config.json; language and license are the author's to state."""
    model, tokenizer = config["model"], config["tokenizer"]
    return {
        "language": language,
        "license": license,
        "library_name": "rnnlm-studio",
        "pipeline_tag": "text-generation",
        "tags": ["rnnlm-studio", "language-model", "rnn", model["cell"], f"{tokenizer['kind']}-tokenizer",
                 "safetensors"],
        "datasets": datasets_of(list((config.get("provenance") or {}).get("train") or [])),
        "metrics": ["perplexity", "bits-per-byte"],
    }


def with_metadata(body: str, metadata: dict[str, Any]) -> str:
    """The card text to write: `body` under a front-matter block, unless it brings its own."""
    return body if split_card(body)[0] else front_matter(metadata) + "\n" + body


def read_card(folder: Path) -> str:
    """The card's Markdown (without its metadata block), from README.md or an older folder's card.md."""
    for name in (CARD, LEGACY_CARD):
        path = Path(folder) / name
        if path.is_file():
            return split_card(path.read_text(encoding="utf-8"))[1]
    return ""


def read_card_metadata(folder: Path) -> dict[str, Any]:
    path = Path(folder) / CARD
    return split_card(path.read_text(encoding="utf-8"))[0] if path.is_file() else {}
