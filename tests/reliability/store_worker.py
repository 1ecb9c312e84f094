"""A process that hammers the run store: `python -m tests.reliability.store_worker HOME TAG RUNS`.

Creates RUNS runs, updating each one several times, and prints each run id once its last write
committed; RUNS 0 loops until killed. Imports only the run store, so it starts in a fraction of a second.
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

from rnnlm_studio.core.runs import RunStore

UPDATES = 5


def hammer(home: Path, tag: str, runs: int) -> None:
    store = RunStore(home)
    for index in itertools.count() if runs == 0 else range(runs):
        record = store.create(name=f"{tag}-{index}", config={"train": [f"{tag}.txt"]}, source=None,
                              transfer="scratch")
        for step in range(1, UPDATES + 1):
            store.update(record.id, status="running", step=step, best={"loss": 1.0 / step})
        print(record.id, flush=True)


if __name__ == "__main__":
    hammer(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
