"""Files derived once from what ships with trialscope and its libraries, kept in the user's cache folder
(``$XDG_CACHE_HOME/trialscope``, else ``~/.cache/trialscope``) so that each later command reads them in
milliseconds instead of deriving them again: the gazetteer's folded names, the unit conversion factors. A
file's name carries a fingerprint of everything its content comes from, so a new version of any of them
makes a new file; a file is written beside its place and moved there whole, so a reader never sees half of
one, and two processes deriving it at once both write the same content."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "trialscope"


def fingerprint(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()[:16]


def write_atomically(path: Path, chunks: list[bytes], *, replaces: str = "") -> None:
    """``chunks`` as the file at ``path`` (raises OSError where it cannot be written); then the files of the
    folder named like ``replaces`` (a pattern: "gazetteer-*.bin"), other than this one, are removed: what an
    earlier version of trialscope or its data derived."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as out:
        try:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
            os.replace(out.name, path)
        except BaseException:
            Path(out.name).unlink(missing_ok=True)
            raise
    for earlier in path.parent.glob(replaces) if replaces else []:
        if earlier != path:
            earlier.unlink(missing_ok=True)
