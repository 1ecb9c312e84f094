"""The headless engine. Nothing under this package may import Qt."""

# The app's version lives on the ground floor because core/ writes it into every model folder
# (config.json's "software"); the package's `rnnlm_studio.__version__` is this one.
__version__ = "0.1.0"
