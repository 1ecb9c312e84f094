"""The frozen app's entry script: PyInstaller needs a file to start from, the app needs only cli.main."""
import sys

from rnnlm_studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
