"""All-or-nothing output sets: checked first, staged beside the targets, committed together.

A run writes several files (rated, rejects, manifest) that only make sense together.
:class:`OutputSet` stages all of them in a hidden folder beside each target, then commits
them by renames, the manifest last:

1. the previous manifest is removed, so that from here on no manifest vouches for the set;
2. each staged file is renamed over its target (same folder, so each rename is atomic);
3. the new manifest, which names every file with its size and SHA-256, is renamed in.

Renames of several files are not atomic together, so the **manifest is the commit record**:
a set is complete when its manifest exists and every file it names has the size and hash
it records (:func:`verify_manifest`). A run killed during step 2 leaves no manifest; a
reader that finds a manifest whose hashes do not match knows the set is mixed. A generation
folder swapped in by a symlink would make the switch atomic, but it changes what the
output paths are (links into folders the operator did not name), breaks ``--rejects`` and
``--manifest`` in other folders, and still needs a record of what a complete generation is.

Each target folder holds a lock file, ``.ratefloat.lock``, locked with ``flock`` for the
whole run: a second run on the same folder waits (``lock_timeout``) or fails with
:class:`OutputBusyError`, never interleaves its files with the first's. A reader can take a
shared lock on it to read a set while no commit is under way. Holding the lock also makes
it safe to delete the staging folders and temporary files that a killed run left beside
the targets: no live run owns them.

Files are created with mode ``0666`` less the umask, like any file a command writes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "OutputSet",
    "OutputPathError",
    "OutputBusyError",
    "check_output_paths",
    "verify_manifest",
    "sha256_file",
    "LOCK_NAME",
    "STAGE_PREFIX",
]

#: The lock file in each output folder.
LOCK_NAME = ".ratefloat.lock"
#: Prefix of the staging folders; any left in a locked folder are from a killed run.
STAGE_PREFIX = ".ratefloat-stage-"

# Indirection so that tests can interrupt a commit between two renames.
_rename = os.replace


class OutputPathError(ValueError):
    """An output path cannot be used (suffix, folder, or it would overwrite an input)."""


class OutputBusyError(RuntimeError):
    """Another run holds the lock on an output folder."""


def check_output_paths(
    outputs: Mapping[str, str | Path],
    inputs: Iterable[str | Path] = (),
    *,
    suffixes: Mapping[str, Iterable[str]] | None = None,
    mkdir: bool = False,
) -> dict[str, Path]:
    """Check every output path before any work is done; returns them resolved.

    Parameters
    ----------
    outputs
        Label → path of each file the run will write.
    inputs
        Files the run reads; no output may be one of them (symlinks and hard links
        are followed).
    suffixes
        Label → accepted file name endings (lower case, e.g. ``(".csv", ".csv.gz")``).
    mkdir
        Create missing output folders. Without it a missing folder is an error, so a
        mistyped path is not silently created.

    Raises
    ------
    OutputPathError
        Naming the option label and the path: an unsupported suffix, two outputs that are
        the same file, an output that is an input, a missing or unwritable folder.
    """
    resolved: dict[str, Path] = {}
    for label, raw in outputs.items():
        path = Path(raw).expanduser()
        allowed = tuple((suffixes or {}).get(label, ()))
        if allowed and not path.name.lower().endswith(allowed):
            raise OutputPathError(
                f"{label} output {str(raw)!r}: use a file ending in {' or '.join(allowed)}"
            )
        if path.is_dir():
            raise OutputPathError(f"{label} output {str(raw)!r} is a folder; name a file")
        resolved[label] = path.resolve()

    seen: dict[Path, str] = {}
    for label, path in resolved.items():
        if path in seen:
            raise OutputPathError(
                f"{label} output and {seen[path]} output are the same file {str(path)!r}"
            )
        seen[path] = label

    for raw in inputs:
        source = Path(raw).expanduser()
        if not source.exists():
            continue
        for label, path in resolved.items():
            if path == source.resolve() or (path.exists() and os.path.samefile(path, source)):
                raise OutputPathError(
                    f"{label} output {str(path)!r} is the input {str(raw)!r}; "
                    "write the results elsewhere"
                )

    for label, path in resolved.items():
        folder = path.parent
        if not folder.exists():
            if not mkdir:
                raise OutputPathError(
                    f"{label} output folder {str(folder)!r} does not exist "
                    "(check the path, or give --mkdir to create it)"
                )
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputPathError(
                    f"cannot create the {label} output folder {str(folder)!r}: {exc.strerror}"
                ) from None
        if not folder.is_dir():
            raise OutputPathError(f"{label} output folder {str(folder)!r} is not a folder")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputPathError(f"{label} output folder {str(folder)!r} is not writable")
    return resolved


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_manifest(manifest: str | Path) -> list[str]:
    """Problems with the output set a manifest records; an empty list means complete.

    A reader calls this before trusting a set of outputs: it checks that every file named
    in the manifest's ``outputs`` exists with the recorded size and SHA-256. A missing
    manifest means no run has completed the set since the last one began its commit.
    """
    manifest = Path(manifest)
    if not manifest.exists():
        return [f"no manifest {str(manifest)!r}: the output set is incomplete"]
    try:
        record = json.loads(manifest.read_text(encoding="utf-8"))
        outputs = record["outputs"]
    except (ValueError, KeyError, TypeError) as exc:
        return [f"manifest {str(manifest)!r} cannot be read: {exc}"]
    problems = []
    for label, entry in sorted(outputs.items()):
        path = manifest.parent / entry["path"]
        if not path.exists():
            problems.append(f"{label}: {str(path)!r} is missing")
        elif path.stat().st_size != entry["bytes"] or sha256_file(path) != entry["sha256"]:
            problems.append(f"{label}: {str(path)!r} is not the file this manifest recorded")
    return problems


class OutputSet:
    """The files of one run, staged and then committed together, the manifest last.

    Use it as a context manager; write each file to :meth:`staged` and call
    :meth:`commit` with the manifest. Leaving the block without a commit (an exception,
    an empty run) leaves the previous set untouched and removes what was staged.

    Parameters
    ----------
    targets
        Label → final path (already checked with :func:`check_output_paths`).
    manifest
        Label of the manifest among ``targets``.
    lock_timeout
        Seconds to wait for another run on the same folders to finish; 0 fails at once.
    """

    def __init__(
        self, targets: Mapping[str, Path], manifest: str = "manifest", lock_timeout: float = 0
    ) -> None:
        if manifest not in targets:
            raise ValueError(f"the targets have no {manifest!r} entry")
        self.targets = {label: Path(path) for label, path in targets.items()}
        self.manifest_label = manifest
        self.lock_timeout = lock_timeout
        self._locks: list[int] = []
        self._stages: dict[Path, Path] = {}
        self.stale_removed: list[Path] = []

    def __enter__(self) -> OutputSet:
        try:
            for folder in sorted({path.parent for path in self.targets.values()}):
                self._locks.append(_lock_folder(folder, self.lock_timeout))
                names = [p.name for p in self.targets.values() if p.parent == folder]
                self.stale_removed += _remove_stale(folder, names)
                self._stages[folder] = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=folder))
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._release()

    def staged(self, label: str) -> Path:
        """Where to write the file of ``label`` before the commit."""
        target = self.targets[label]
        return self._stages[target.parent] / target.name

    def commit(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Record every staged file in ``manifest`` and put the whole set in place.

        ``manifest["outputs"]`` is set to label → ``{"path", "bytes", "sha256"}``, with the
        path relative to the manifest's folder. Returns the manifest as written.
        """
        manifest_target = self.targets[self.manifest_label]
        files = {label: p for label, p in self.targets.items() if label != self.manifest_label}
        record: dict[str, Any] = {}
        for label, target in files.items():
            staged = self.staged(label)
            if not staged.exists():
                raise FileNotFoundError(f"the {label} output was not written")
            _fsync(staged)
            record[label] = {
                "path": os.path.relpath(target, manifest_target.parent),
                "bytes": staged.stat().st_size,
                "sha256": sha256_file(staged),
            }
        manifest = {**manifest, "outputs": record}
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True, default=str)
        staged_manifest = self.staged(self.manifest_label)
        staged_manifest.write_text(text + "\n", encoding="utf-8")
        _fsync(staged_manifest)

        # From the first unlink on, no manifest vouches for a mix of old and new files.
        with contextlib.suppress(FileNotFoundError):
            manifest_target.unlink()
        _fsync_folder(manifest_target.parent)
        for label, target in files.items():
            _rename(self.staged(label), target)
        for folder in self._stages:
            _fsync_folder(folder)
        _rename(staged_manifest, manifest_target)
        _fsync_folder(manifest_target.parent)
        return manifest

    def _release(self) -> None:
        for stage in self._stages.values():
            shutil.rmtree(stage, ignore_errors=True)
        self._stages.clear()
        for handle in self._locks:
            os.close(handle)  # closing the descriptor releases the flock
        self._locks.clear()


def _lock_folder(folder: Path, timeout: float) -> int:
    handle = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                os.close(handle)
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    raise OutputBusyError(
                        f"another run is writing to {str(folder)!r} (it holds "
                        f"{str(folder / LOCK_NAME)!r}); wait for it or give --lock-timeout"
                    ) from None
                raise
            time.sleep(0.05)


def _remove_stale(folder: Path, names: list[str]) -> list[Path]:
    """Staging folders, and the temporary files of single-file writes of the targets
    (``.<name>.<8 characters>``, also as left by earlier versions), that no live run owns."""
    temporary = re.compile(
        "|".join(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}(?:\.tmp)?" for name in names)
    )
    stale = sorted(folder.glob(f"{STAGE_PREFIX}*"))
    stale += sorted(p for p in folder.glob(".*") if names and temporary.fullmatch(p.name))
    for path in stale:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return stale


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
