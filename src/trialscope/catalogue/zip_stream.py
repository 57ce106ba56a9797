"""A zip archive read as a stream, member after member, in memory that does not grow with the archive.

The full ClinicalTrials.gov download is a zip of ~600,000 small files. ``zipfile`` reads the whole central
directory first (a Python object per member: ~360 MB at 600,000); here the members are read in the order
they are stored, from their local headers (``stream-unzip``), and only the current one is held.

Zip bombs are refused as they are met: a member may hold at most ``MAX_MEMBER_BYTES`` once inflated, and
may not inflate more than ``MAX_RATIO`` times the bytes of the archive read for it (past
``RATIO_FROM_BYTES``). A stream cannot jump over a member whose end it only finds by inflating it, so a
bomb, or damage, ends the reading of that archive: what came before it stays read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from stream_unzip import UnzipError, stream_unzip

MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200
RATIO_FROM_BYTES = 8 * 1024 * 1024
_READ_BYTES = 16 * 1024  # the ratio is judged to within one read of the archive


@dataclass(slots=True)
class Member:
    """One file of the archive: its name, and its bytes (None when it was not kept: ``wanted`` said no)."""

    name: str
    data: bytes | None


@dataclass(slots=True)
class Refused:
    """A member not read (too large once inflated), or why the reading of the archive ended there."""

    name: str | None  # None: the archive itself (damaged before its first member)
    reason: str


class _Counted:
    """The archive's bytes in reads of ``_READ_BYTES``, counting how many were read so far."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self.read = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.read += len(chunk)
            yield chunk


def file_chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(_READ_BYTES):
        yield chunk


def bytes_chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), _READ_BYTES):
        yield data[start : start + _READ_BYTES]


def _name(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp437")  # what zip tools wrote before UTF-8 names (as ``zipfile`` reads them)


def zip_members(chunks: Iterable[bytes], wanted: Callable[[str], bool]) -> Iterator[Member | Refused]:
    """The archive's members in stored order (directories left out). A member's bytes are kept only when
    ``wanted`` says yes for its name; the others are still inflated to find their end."""
    counted = _Counted(chunks)
    name: str | None = None
    seen = 0
    try:
        for raw_name, _size, inflated in stream_unzip(counted):
            name = _name(raw_name)
            seen += 1
            started = counted.read
            keep = not name.endswith("/") and wanted(name)
            parts: list[bytes] = []
            total = 0
            too_large = False
            for chunk in inflated:
                total += len(chunk)
                if total > RATIO_FROM_BYTES and total > MAX_RATIO * max(counted.read - started, 1):
                    ratio = total // max(counted.read - started, 1)
                    yield Refused(
                        name,
                        f"inflates over {ratio:,} times its stored size: refused as a zip bomb, and the rest of "
                        "the archive is not read",
                    )
                    return
                if keep and not too_large:
                    if total > MAX_MEMBER_BYTES:
                        too_large, parts = True, []
                    else:
                        parts.append(chunk)
            if name.endswith("/"):
                continue
            if too_large:
                yield Refused(name, f"larger than {MAX_MEMBER_BYTES // 2**20} MB once unpacked: not read")
            else:
                yield Member(name, b"".join(parts) if keep else None)
            name = None
    except (UnzipError, ValueError, EOFError, OSError) as exc:
        detail = type(exc).__name__ + (f": {exc}" if str(exc) else "")
        if seen == 0:
            yield Refused(None, f"truncated or corrupt zip archive, nothing read from it ({detail})")
        else:
            where = f"at {name}" if name else "after the members above"
            reason = f"truncated, corrupt or encrypted zip archive {where}: the rest is not read ({detail})"
            yield Refused(name, reason)
