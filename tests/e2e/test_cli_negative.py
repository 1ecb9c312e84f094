"""The early negative-transfer warning on the command line, plain and --json."""
from __future__ import annotations

import json
from pathlib import Path

from tests.core.test_negative_transfer import bad_source  # noqa: F401 (fixture)
from tests.e2e.test_cli import cli_process

OPTIONS = ["--transfer", "feature", "--baseline", "--batch-size", "16", "--bptt", "16", "--max-steps", "60",
           "--eval-every", "15", "--eval-tokens", "4000", "--precision", "fp32", "--threads", "1"]


def test_the_warning_is_a_log_event_before_the_done_line(bad_source: Path, shakespeare_small: dict[str, Path],  # noqa: F811
                                                         tmp_path: Path) -> None:
    data = ["--train", str(shakespeare_small["train"]), "--valid", str(shakespeare_small["valid"]),
            "--source", str(bad_source)]
    result = cli_process(tmp_path / "json", "train", *data, *OPTIONS, "--json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    warned = [i for i, e in enumerate(events) if e["event"] == "log" and e["level"] == "warning"
              and e["message"].startswith("negative transfer so far")]
    transfer_start = [i for i, e in enumerate(events) if e["event"] == "start"][1]
    assert warned and transfer_start < warned[0] < len(events) - 1 and events[-1]["event"] == "done"
    plain = cli_process(tmp_path / "plain", "train", *data, *OPTIONS)
    assert plain.returncode == 0 and "warning: negative transfer so far" in plain.stderr, plain.stderr
