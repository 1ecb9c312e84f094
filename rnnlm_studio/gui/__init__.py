"""The desktop app (PySide6 + pyqtgraph): a thin layer over `rnnlm_studio.core`.

Only `rnnlm-studio` without arguments (or `rnnlm-studio gui`) imports this package, via
`rnnlm_studio.gui.app.run_gui`; headless commands never load Qt.
"""
