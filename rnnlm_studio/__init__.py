"""RNNLM Studio: train recurrent language models and move knowledge between them."""

__version__ = "0.1.0"
