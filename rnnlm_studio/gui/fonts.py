"""Whether Chinese can be drawn at all: without a CJK font Qt shows empty boxes and says nothing.

Qt falls back on any installed font that has the glyphs, so one CJK font anywhere is enough;
the check asks Qt's font database for a family that supports a Chinese or Japanese writing system.
"""
from __future__ import annotations

import logging

from PySide6.QtGui import QFontDatabase

from .i18n import N_, translator

log = logging.getLogger(__name__)
tr = translator("Fonts")

_SYSTEMS = (QFontDatabase.WritingSystem.SimplifiedChinese, QFontDatabase.WritingSystem.TraditionalChinese,
            QFontDatabase.WritingSystem.Japanese)
NO_CJK_FONT = (N_("No Chinese font is installed, so Chinese characters show as empty boxes: install one "
               "(Noto Sans CJK, e.g. the fonts-noto-cjk package, or your system's Chinese language support) "
               "and restart RNNLM Studio."))


def has_cjk_font() -> bool:
    return any(QFontDatabase.families(system) for system in _SYSTEMS)


def cjk_font_problem(scripts: list[str]) -> str | None:
    """The message to show for text in `scripts` (as CorpusStats lists them), or None when it can be drawn."""
    if "CJK" not in scripts or has_cjk_font():
        return None
    return tr(NO_CJK_FONT)


def log_missing_cjk_font() -> None:
    """At startup: a line in the log, so a report about boxes instead of characters shows the cause."""
    if not has_cjk_font():
        log.warning(NO_CJK_FONT)
