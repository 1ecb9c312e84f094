"""The interface language: Qt's translation system, the language choice, and loading the translations.

Every visible string in gui/ goes through a module's `tr`, made by `translator(CONTEXT)`: a call of
`QCoreApplication.translate` with one stable context per module, looked up when the text is shown,
so whatever translator `install_translators` put in at startup decides the language. Module-level
constants are only marked with `N_` (they are built at import, before any translator is installed)
and pass through `tr` where they are shown. `packaging/translations.py` finds both kinds of call
with Python's ast: lupdate's Python parser gives a bare `tr(...)` the enclosing class as its context,
so it cannot follow a per-module helper.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from ..core.paths import resources_dir

CATALOGUE = "rnnlm_studio"  # resources/i18n/rnnlm_studio_<language>.qm
LANGUAGE_KEY = "interface/language"  # in the settings file; "" (or absent) follows the system
# The languages the menu offers, each named in itself so anyone can find their own.
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}


def translator(context: str) -> Callable[[str], str]:
    """A module's `tr`: its text looked up in `context` at call time."""
    def tr(text: str) -> str:
        return QCoreApplication.translate(context, text)
    return tr


def N_(text: str) -> str:  # noqa: N802 (the gettext spelling translators know)
    """Marks a constant for extraction; `tr` translates it where it is shown."""
    return text


def i18n_dir() -> Path:
    return resources_dir() / "i18n"


def interface_locale(language: str) -> QLocale:
    """The chosen language ("en", "zh_CN"), or the system's when nothing (or something unknown) is chosen."""
    return QLocale(language) if language in LANGUAGES else QLocale.system()


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Install ours and Qt's own (qtbase: standard buttons, dialogs) for the language; returns the ones
    found, which must stay referenced. English is the source text, so it needs none."""
    locale = interface_locale(language)
    found = []
    for catalogue, folder in ((CATALOGUE, str(i18n_dir())),
                              ("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))):
        translation = QTranslator(app)
        if translation.load(locale, catalogue, "_", folder) and app.installTranslator(translation):
            found.append(translation)
    return found
