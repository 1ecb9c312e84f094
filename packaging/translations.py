"""Rebuild the interface translations: gui/ strings -> resources/i18n/*.ts -> compiled .qm.

    python packaging/translations.py            # update every .ts from the code, then compile it
    python packaging/translations.py --check    # exit 1 when a .ts lacks a string or has unfinished ones

The strings are found with Python's ast, not lupdate: each gui/ module makes its `tr` with
`translator("Context")` (rnnlm_studio/gui/i18n.py) and lupdate's Python parser would file a bare
`tr(...)` under the enclosing class instead. Every `tr("literal")` and `N_("literal")` call is
extracted under its module's context. Updating keeps every translation whose (context, source) is
still in the code, adds new strings as unfinished and drops strings the code no longer has. The
.ts stays Qt Linguist's format, so a translator can open it in `pyside6-linguist`. Compiling uses
PySide6's lrelease (`pyside6-lrelease`, installed with PySide6-Essentials).
"""
from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GUI = REPO / "rnnlm_studio" / "gui"
I18N = REPO / "resources" / "i18n"
LANGUAGES = ("zh_CN",)
MARKERS = ("tr", "N_")


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    path: str  # relative to the .ts file, as lupdate writes it


def _context(tree: ast.Module, path: Path) -> str | None:
    """The module's `tr = translator("Context")`, or None for a module without strings."""
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", "") == "translator"):
            return node.value.args[0].value
    return None


def extract(folder: Path = GUI) -> list[Message]:
    """Every marked literal under `folder`, in file and line order (first occurrence kept)."""
    found: dict[tuple[str, str], Message] = {}
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        context = _context(tree, path)
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and getattr(node.func, "id", "") in MARKERS and node.args]
        for call in sorted(calls, key=lambda node: (node.lineno, node.col_offset)):
            literal = call.args[0]
            if not (isinstance(literal, ast.Constant) and isinstance(literal.value, str)):
                continue  # tr(CONSTANT): the constant's N_ is the marked literal
            if context is None:
                raise SystemExit(f"{path}: {call.func.id}(...) without `tr = translator(...)` in the module")
            rel = Path("../../rnnlm_studio/gui") / path.name
            found.setdefault((context, literal.value), Message(context, literal.value, rel.as_posix()))
    return list(found.values())


def read_ts(path: Path) -> dict[tuple[str, str], tuple[str, bool]]:
    """(context, source) -> (translation, finished) of an existing .ts."""
    if not path.exists():
        return {}
    out = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            finished = translation is not None and translation.get("type") is None and bool(translation.text)
            out[(name, message.findtext("source") or "")] = (translation.text or "" if translation is not None else "",
                                                               finished)
    return out


def write_ts(path: Path, language: str, messages: list[Message]) -> tuple[int, int]:
    """Write the .ts for `messages`, keeping known translations; returns (strings, unfinished)."""
    old = read_ts(path)
    root = ET.Element("TS", version="2.1", language=language, sourcelanguage="en")
    unfinished = 0
    for context in sorted({m.context for m in messages}):
        node = ET.SubElement(root, "context")
        ET.SubElement(node, "name").text = context
        for m in (m for m in messages if m.context == context):
            message = ET.SubElement(node, "message")
            ET.SubElement(message, "location", filename=m.path)  # no line: edits elsewhere in a file leave the .ts alone
            ET.SubElement(message, "source").text = m.source
            text, finished = old.get((m.context, m.source), ("", False))
            translation = ET.SubElement(message, "translation")
            translation.text = text
            if not finished:
                translation.set("type", "unfinished")
                unfinished += 1
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")
    return len(messages), unfinished


def lrelease() -> str:
    beside = Path(sys.executable).parent / "pyside6-lrelease"
    found = str(beside) if beside.exists() else shutil.which("pyside6-lrelease") or shutil.which("lrelease")
    if not found:
        raise SystemExit("pyside6-lrelease not found: install PySide6-Essentials in this environment")
    return found


def compile_ts(ts: Path) -> Path:
    """Written beside and renamed over the old .qm: a running app maps its catalogue, and a file rewritten
    in place under it turns the rest of that session's strings back to English."""
    qm = ts.with_suffix(".qm")
    fresh = qm.with_name(qm.name + ".new")
    subprocess.run([lrelease(), "-silent", str(ts), "-qm", str(fresh)], check=True)
    os.replace(fresh, qm)
    return qm


def problems(language: str) -> list[str]:
    """What keeps the .ts from covering the code: strings missing from it and unfinished ones."""
    ts = I18N / f"rnnlm_studio_{language}.ts"
    known = read_ts(ts)
    missing = [f"missing: [{m.context}] {m.source!r}" for m in extract() if (m.context, m.source) not in known]
    unfinished = [f"unfinished: [{c}] {s!r}" for (c, s), (_t, done) in known.items() if not done]
    return missing + unfinished


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report missing or unfinished strings, change nothing")
    args = parser.parse_args()
    if args.check:
        found = [line for language in LANGUAGES for line in problems(language)]
        print("\n".join(found) or "translations complete")
        return 1 if found else 0
    I18N.mkdir(parents=True, exist_ok=True)
    messages = extract()
    for language in LANGUAGES:
        ts = I18N / f"rnnlm_studio_{language}.ts"
        count, unfinished = write_ts(ts, language, messages)
        qm = compile_ts(ts)
        print(f"{ts.relative_to(REPO)}: {count} strings, {unfinished} unfinished -> {qm.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
