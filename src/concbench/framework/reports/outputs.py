"""Report files: one registered exporter per format, checked before a sweep, written after.

A format is an :class:`Exporter`: a name (its option is ``--NAME``), a line of help, a
check of the path it is given, and a write. As in hyperfine's ``ExportManager``, the
command line knows no format by name: it makes one option per registered exporter and
hands the chosen paths to :class:`Outputs`. The built-in formats are in
:mod:`.exporters`; adding one is one class there.

Every output path goes through one check (:func:`output_problem`) before anything runs,
and again right before it is written: it must not be a store the command reads or
appends to, nor a side file of one, nor a link, a device, a FIFO or a directory, nor a
file that holds run records. Files are written to a temporary file and renamed, so a
failed write (a full disk) leaves the old file and names the path.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ..model.params import shown
from ..store.records import RunRecord
from ..store.resultstore import records_problem
from ..store.targets import OutputError, directory_problem, file_problem, same_path
from ..store.targets import write_atomically as _write_atomically
from ..store.tracestore import StoredTrace, read_traces, trace_path

__all__ = [
    "DirectoryExporter",
    "Exporter",
    "FileExporter",
    "OutputError",
    "Outputs",
    "Report",
    "check_output",
    "exporters",
    "load_traces",
    "output_problem",
    "register_exporter",
    "write_output",
]

Kept = Mapping[Path, str]
"""Files no output may replace (stores and their side files), each with what it is."""


@dataclass(frozen=True)
class Report:
    """What every format is made from: the records, their stored traces, their files."""

    records: Sequence[RunRecord]
    traces: Mapping[str, StoredTrace]
    sources: Sequence[str] = ()
    notes: Sequence[str] = ()
    """What the sweeps measured of the machine itself (the canary's drift line, one a
    sweep), which every format prints above the tables, as the terminal does."""


class Exporter(ABC):
    """One report format: its option, its help, the check of its path and its write."""

    name: ClassVar[str]
    """The option is ``--NAME``; lower case letters, digits and dashes."""
    help: ClassVar[str]
    what: ClassVar[str]
    """How a written file is announced: ``HTML report: r.html``."""
    metavar: ClassVar[str] = "OUT"

    @property
    def option(self) -> str:
        return f"--{self.name}"

    @abstractmethod
    def problem(self, path: Path, kept: Kept) -> str | None:
        """Why ``path`` cannot take this format, or None; asked before anything runs."""

    @abstractmethod
    def write(self, report: Report, path: Path, kept: Kept) -> list[Path]:
        """Write the format at ``path``; every file written, in order."""


class FileExporter(Exporter):
    """A format that is one file, rendered whole and then written atomically."""

    @abstractmethod
    def render(self, report: Report) -> str | bytes: ...

    def problem(self, path: Path, kept: Kept) -> str | None:
        return output_problem(path, kept)

    def write(self, report: Report, path: Path, kept: Kept) -> list[Path]:
        write_output(path, self.render(report), kept)
        return [path]


class DirectoryExporter(Exporter):
    """A format that is a directory of files (the plots), each written atomically."""

    metavar: ClassVar[str] = "DIR"
    planned: ClassVar[tuple[str, ...]] = ()
    """The file names known before the records are: checked up front as well."""

    @abstractmethod
    def files(self, report: Report) -> Iterator[tuple[str, bytes]]:
        """Each file as (name in the directory, content), made one at a time."""

    def problem(self, path: Path, kept: Kept) -> str | None:
        if problem := directory_problem(path, kept):
            return problem
        for name in self.planned:
            if problem := output_problem(path / name, kept):
                return f"would write {path / name}, which {problem}"
        return None

    def write(self, report: Report, path: Path, kept: Kept) -> list[Path]:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{path}: cannot create the directory ({exc.strerror})") from None
        written = []
        for name, data in self.files(report):
            write_output(path / name, data, kept)
            written.append(path / name)
        return written


def output_problem(path: Path, kept: Kept = {}) -> str | None:  # noqa: B006 - never mutated
    """The one check of every output file: why ``path`` must not be written, or None."""
    if problem := file_problem(path, kept):
        return problem
    if path.is_file() and (holds := records_problem(path)):
        return f"{holds}; a report never overwrites one: give another name"
    return None


def check_output(option: str, path: Path, kept: Kept = {}) -> None:  # noqa: B006
    """:func:`output_problem` as the error a command gives: option, path and reason."""
    if problem := output_problem(path, kept):
        raise OutputError(f"{option}: {_named(path)} {problem}")


def _named(path: Path) -> str:
    return shown(str(path), limit=240)  # a pasted blob must not drown the reason


def write_output(path: Path, content: str | bytes, kept: Kept = {}) -> None:  # noqa: B006
    """Checked again, then written whole or not at all; a failure names ``path``."""
    if isinstance(content, str):  # a lone surrogate from a store is written visibly escaped
        content = content.encode("utf-8", errors="backslashreplace")
    _write_atomically(path, content, lambda target: output_problem(target, kept))


_REGISTRY: dict[str, Exporter] = {}
_NAME = re.compile(r"[a-z][a-z0-9-]*")
_RESERVED = {"kept", "out", "resume", "timeline", "help"}
"""Names an exporter cannot take: ``Outputs``'s own keyword and the commands' options."""


def register_exporter(exporter: Exporter) -> Exporter:
    """Add a format: every command that writes reports gets its ``--NAME`` option."""
    name = getattr(exporter, "name", "")
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in _RESERVED:
        raise ValueError(
            f"exporter name must match [a-z][a-z0-9-]* and not be one of "
            f"{sorted(_RESERVED)}, got {name!r}"
        )
    if name in _REGISTRY:
        raise ValueError(f"an exporter named {name!r} is already registered")
    _REGISTRY[name] = exporter
    return exporter


def exporters() -> tuple[Exporter, ...]:
    """Every registered format, in registration order (the order of ``--help``)."""
    return tuple(_REGISTRY.values())


class Outputs:
    """The report files one command was asked for: each format with its path.

    ``Outputs(html=Path("r.html"), kept=...)`` or ``Outputs({"html": ...})``, by the
    registered names; ``kept`` are the files no output may replace
    (``resultstore.kept_files``).
    """

    def __init__(
        self,
        paths: Mapping[str, Path | None] | None = None,
        /,
        *,
        kept: Kept | None = None,
        **by_name: Path | None,
    ) -> None:
        chosen = {**(paths or {}), **by_name}
        unknown = chosen.keys() - _REGISTRY.keys()
        if unknown:
            raise ValueError(f"no exporter named {sorted(unknown)}; known: {sorted(_REGISTRY)}")
        self.kept: Kept = dict(kept or {})
        self.requested: tuple[tuple[Exporter, Path], ...] = tuple(
            (exporter, Path(path))
            for name, exporter in _REGISTRY.items()
            if (path := chosen.get(name)) is not None
        )

    def __bool__(self) -> bool:
        return bool(self.requested)

    def check(self) -> None:
        """Refuse every path that must not or cannot be written, before anything runs."""
        for index, (exporter, path) in enumerate(self.requested):
            if problem := exporter.problem(path, self.kept):
                raise OutputError(f"{exporter.option}: {_named(path)} {problem}")
            for other, other_path in self.requested[:index]:
                if same_path(path, other_path):
                    raise OutputError(
                        f"{exporter.option}: {_named(path)} is also given to {other.option}; "
                        "give each report file its own name"
                    )

    def write(
        self,
        records: Sequence[RunRecord],
        traces: Mapping[str, StoredTrace],
        sources: Sequence[str] = (),
        notes: Sequence[str] = (),
    ) -> list[tuple[str, Path]]:
        """Write every requested format; returns (what, path) for each file written."""
        report = Report(records, traces, sources, notes)
        written: list[tuple[str, Path]] = []
        for exporter, path in self.requested:
            written += [(exporter.what, file) for file in exporter.write(report, path, self.kept)]
        return written


def load_traces(stores: Iterable[Path]) -> dict[str, StoredTrace]:
    """Every stored trace kept beside the given result stores, by record id."""
    traces: dict[str, StoredTrace] = {}
    for store in stores:
        traces |= read_traces(trace_path(store))
    return traces
