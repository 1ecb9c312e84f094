"""TensorBoard event files from a run's events: `export-tb` and `train --tensorboard DIR`.

The run store and `metrics.jsonl` stay the source of truth; these files are a copy in the
format TensorBoard reads, so runs open in the tool users already know. The format is written
here directly (a TFRecord of hand-encoded `Event` protobufs, about sixty lines) rather than
through `torch.utils.tensorboard`, which needs the tensorboard package and its protobuf and
grpc stack installed just to write a file: TensorBoard itself is only needed to look at them
(`pip install 'rnnlm-studio[tensorboard]'`).
"""
from __future__ import annotations

import os
import re
import socket
import struct
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from .errors import StudioError
from .events import Event

STEP_SCALARS = {"loss": "train/loss", "lr": "train/lr", "grad_norm": "train/grad_norm",
                "tokens_per_s": "train/tokens_per_s"}
EVAL_SCALARS = ("loss", "ppl", "word_ppl", "bpb", "cached_word_ppl", "cached_bpb")  # cached_*: only when the cache is on


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def masked_crc32c(data: bytes) -> int:
    """The checksum TFRecord puts beside each length and payload (CRC-32C, rotated and offset)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def encode_event(wall_time: float, step: int, *, file_version: str | None = None,
                 scalars: Iterable[tuple[str, float]] = ()) -> bytes:
    """tensorflow.Event: wall_time (1, double), step (2, int64), file_version (3) or summary (5),
    whose Summary.Value entries hold tag (1) and simple_value (2, float)."""
    body = struct.pack("<Bd", 1 << 3 | 1, wall_time) + _varint(2 << 3) + _varint(step & 0xFFFFFFFFFFFFFFFF)
    if file_version is not None:
        body += _field(3, file_version.encode())
    values = b"".join(_field(1, _field(1, tag.encode()) + struct.pack("<Bf", 2 << 3 | 5, value))
                      for tag, value in scalars)
    if values:
        body += _field(5, values)
    return body


class EventFileWriter:
    """One `events.out.tfevents.*` file in `logdir`, flushed after every record so a live
    TensorBoard sees each evaluation as it happens."""

    def __init__(self, logdir: Path) -> None:
        logdir.mkdir(parents=True, exist_ok=True)
        name = f"events.out.tfevents.{time.time():.6f}.{socket.gethostname()}.{os.getpid()}.rnnlm-studio"
        self.path = logdir / name
        self._file: BinaryIO = open(self.path, "wb")
        self._record(encode_event(time.time(), 0, file_version="brain.Event:2"))

    def _record(self, data: bytes) -> None:
        header = struct.pack("<Q", len(data))
        self._file.write(header + struct.pack("<I", masked_crc32c(header)) + data
                         + struct.pack("<I", masked_crc32c(data)))
        self._file.flush()

    def add(self, step: int, scalars: list[tuple[str, float]], wall_time: float | None = None) -> None:
        if scalars:
            self._record(encode_event(time.time() if wall_time is None else wall_time, step, scalars=scalars))

    def close(self) -> None:
        self._file.close()


def scalars_of(event: dict[str, Any]) -> list[tuple[str, float]]:
    """The scalars one stored event contributes: training figures per step, evaluations by split
    (a final evaluation of the best weights under `<split>_final/`, apart from the periodic curve)."""
    kind = event.get("event")
    if kind == "step":
        return [(tag, float(event[key])) for key, tag in STEP_SCALARS.items() if _number(event.get(key))]
    if kind != "eval":
        return []
    values = {**event.get("extra", {}), **event}
    group = f"{event['split']}_final" if values.get("final") else event["split"]
    return [(f"{group}/{key}", float(values[key])) for key in EVAL_SCALARS if _number(values.get(key))]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def run_logdir(logdir: Path, name: str) -> Path:
    """A run's subfolder: TensorBoard lists runs by folder, so each gets its own, named after it."""
    return Path(logdir) / re.sub(r"[^\w.-]+", "_", name)


def write_events(writer: EventFileWriter, events: Iterable[dict[str, Any]], started: float) -> None:
    for event in events:
        writer.add(int(event.get("step", 0)), scalars_of(event), started + float(event.get("elapsed") or 0.0))


def export_runs(refs: list[str], logdir: Path) -> list[Path]:
    """Event files for stored runs, from their `metrics.jsonl`; returns the folders written."""
    from .runs import RunStore, read_events

    store = RunStore()
    records = [store.find(ref) for ref in refs]  # every name is checked before anything is written
    written = []
    for record in records:
        events = read_events(record.run_dir)
        if not events:
            raise StudioError(f"run {record.name} has no metrics yet: nothing to export")
        writer = EventFileWriter(run_logdir(logdir, record.id))
        try:
            write_events(writer, events, record.created)
        finally:
            writer.close()
        written.append(writer.path.parent)
    return written


def mirror(events: Iterator[Event], logdir: str | Path) -> Iterator[Event]:
    """Pass a run's events through, writing their scalars to TensorBoard as they come; the run's
    folder under `logdir` is named after its id, known from the start event. A folder that cannot
    be written costs a warning, never the run: `export-tb` can write the files later."""
    from .events import LogEvent

    writer: EventFileWriter | None = None
    try:
        for event in events:
            data = event.to_dict()
            if writer is None and data["event"] == "start":
                try:
                    writer = EventFileWriter(run_logdir(Path(logdir), data["run_id"]))
                except OSError as exc:
                    yield event
                    yield LogEvent(level="warning", message=f"cannot write TensorBoard files to {logdir}: "
                                   f"{exc.strerror or exc}; training goes on, and `rnnlm-studio export-tb "
                                   f"{data['run_id']} --logdir DIR` can write them afterwards")
                    continue
            if writer is not None:
                writer.add(int(data.get("step", 0)), scalars_of(data))
            yield event
    finally:
        if writer is not None:
            writer.close()
        close = getattr(events, "close", None)
        if close is not None:
            close()
