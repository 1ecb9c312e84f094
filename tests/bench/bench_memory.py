"""Does a big corpus stay out of memory? Peak RSS of a short training run on 500 MB of text.

The stream is meant to be memory-mapped token ids, so training on a corpus far larger than the
model must not hold the text (or a Python list of its ids) in RAM. The corpus is generated:
lines of the shared corpora, shuffled per block, with a few letters swapped per block so that
the words (and the tokenizer's work) vary instead of repeating one file. Peak RSS comes from
the kernel's own accounting of the finished child (`os.wait4`), so short spikes are not missed.
Target: < 2 GB. `python -c "import torch"` is measured too, for orientation.

    python -m tests.bench.bench_memory [--size-mb 500] [--dir FOLDER]
"""
from __future__ import annotations

import argparse
import os
import random
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from . import common

TARGET_BYTES = 2 * 1024**3
MB = 1024**2


def source_lines() -> list[bytes]:
    paths = (common.SHAKESPEARE, common.WAR_AND_PEACE, common.WIKI_VALID, common.WIKI_TEST)
    return [line.encode("utf-8") for path in paths for line in common.read_text(path).splitlines() if line.strip()]


def letter_swap(rng: random.Random, pairs: int = 3) -> bytes:
    """A byte table swapping a few lowercase letter pairs ('the' may become 'thi'). ASCII bytes
    never occur inside a UTF-8 multi-byte sequence, so the text stays valid UTF-8."""
    letters = "".join(rng.sample(string.ascii_lowercase, 2 * pairs))
    swapped = "".join(b + a for a, b in zip(letters[::2], letters[1::2]))
    return bytes.maketrans(letters.encode(), swapped.encode())


def generate_corpus(path: Path, size_bytes: int, seed: int = 0) -> int:
    """Write at least `size_bytes` of varied text in blocks; returns the bytes written.
    Works on bytes throughout: str.translate on non-ASCII text is too slow for 500 MB."""
    rng = random.Random(seed)
    lines = source_lines()
    written = 0
    with path.open("wb") as out:
        while written < size_bytes:
            rng.shuffle(lines)
            block = (b"\n".join(lines) + b"\n").translate(letter_swap(rng))
            out.write(block)
            written += len(block)
    return written


def peak_rss(cmd: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run `cmd` and return its exit code, output and peak resident set size in bytes."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(cmd, cwd=common.REPO, env=env, stdout=stdout, stderr=stderr)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise common.BenchError(f"`{' '.join(cmd)}` ran past {timeout:g} s and was stopped")
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
        stdout.seek(0)
        stderr.seek(0)
        return {"returncode": proc.returncode, "stdout": stdout.read().decode("utf-8", "replace"),
                "stderr": stderr.read().decode("utf-8", "replace"), "peak_rss": usage.ru_maxrss * 1024}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500, help="corpus size in MiB (default 500)")
    parser.add_argument("--steps", type=int, default=50, help="training steps (default 50)")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the corpus (default: a temp dir)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds before the run is stopped")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="rnnlm-bench-memory-", dir=args.dir) as tmp:
        corpus = Path(tmp) / "big.txt"
        began = time.perf_counter()
        size = generate_corpus(corpus, args.size_mb * MB)
        print(f"generated {size / MB:,.0f} MiB corpus in {time.perf_counter() - began:.1f} s", flush=True)
        env = common.cli_env(Path(tmp) / "home")
        baseline = peak_rss([sys.executable, "-c", "import torch"], env, timeout=300)
        # An explicit validation text: a split of the big corpus would hold 25 MB each for validation and
        # test, whose full final evaluation takes a quarter of an hour and bounded memory; it is the
        # training stream and the tokenizer whose memory could grow with the corpus.
        train = peak_rss(common.cli_command(["train", "--train", str(corpus), "--valid", str(common.WIKI_TEST),
                                             "--max-steps", str(args.steps)]), env, args.timeout)
    if train["returncode"] != 0:
        raise common.BenchError(f"rnnlm-studio train exited with {train['returncode']}:\n{train['stderr'].strip()}")
    done = common.done_event(common.parse_events(train["stdout"]))

    passed = train["peak_rss"] < TARGET_BYTES
    headers = ["process", "peak RSS MiB", "x import torch", "target", "pass"]
    rows = [["python -c 'import torch'", baseline["peak_rss"] / MB, 1.0, "-", "-"],
            [f"train {size / MB:,.0f} MiB, {args.steps} steps", train["peak_rss"] / MB,
             train["peak_rss"] / baseline["peak_rss"], f"< {TARGET_BYTES / MB:,.0f}", passed]]
    common.print_table("peak memory of a short run on a big corpus", headers, rows)
    common.write_results("bench_memory", {"results": [{
        "corpus_bytes": size, "steps": args.steps, "baseline_peak_rss": baseline["peak_rss"],
        "train_peak_rss": train["peak_rss"], "target_bytes": TARGET_BYTES, "passed": passed,
        "done": done}]})


if __name__ == "__main__":
    main()
