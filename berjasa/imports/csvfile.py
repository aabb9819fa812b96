"""Reading an import's CSV file as a stream: text checks, the header, and numbered records.

Shared by every kind of import: UTF-8 (a BOM is fine), ',' or ';' separated, one header line naming the
columns in any order and case. The file comes in pieces (bytes) and is read a line at a time, so memory
does not grow with the file; reading can start again at any line, which is how an import resumes."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice


class FileRefused(Exception):
    """The whole file is refused (not text, no header, wrong columns) before any row is read."""

    def __init__(self, reason: str, errors: dict[str, list[str]]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors = errors


@dataclass(frozen=True)
class RowError:
    """Why one column of one line was refused."""

    number: int  # line in the file, the header being line 1
    column: str
    reason: str


@dataclass(frozen=True)
class Layout:
    """The columns a kind of file has: all it may name, and those it must."""

    columns: tuple[str, ...]
    required: frozenset[str]


@dataclass(frozen=True)
class Header:
    """What the header line said: the separator, where each named column is, and the line after it."""

    delimiter: str
    positions: dict[str, int]
    end: int  # physical lines up to and including the header


NOT_TEXT = "not UTF-8 text (binary file?)"


def text_lines(pieces: Iterable[bytes]) -> Iterator[str]:
    """The file's lines with their line ends, as csv wants them ('\\n', '\\r\\n' or '\\r'); FileRefused if the
    bytes are not UTF-8 text. A line may run across pieces."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()  # Excel's "CSV UTF-8" starts with a BOM
    carry = ""
    for piece in chain(pieces, [None]):
        try:
            text = carry + (decoder.decode(piece) if piece is not None else decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            raise FileRefused(NOT_TEXT, {"file": [NOT_TEXT]}) from None
        # A NUL never occurs in a text export but always in spreadsheets, images and archives.
        if "\x00" in text:
            raise FileRefused(NOT_TEXT, {"file": [NOT_TEXT]})
        lines = io.StringIO(text, newline="").readlines()
        # The last line may go on in the next piece (a '\r' may be followed by its '\n' there).
        carry = lines.pop() if piece is not None and lines and not lines[-1].endswith("\n") else ""
        yield from lines


def read_header(lines: Iterable[str], layout: Layout) -> Header:
    """Check the file's first lines: FileRefused if it is empty, has no header or the wrong columns."""
    lines = iter(lines)
    skipped = 0
    for first in lines:
        if first.strip():
            break
        skipped += 1
    else:
        raise FileRefused("empty file", {"file": ["empty file"]})
    # Spreadsheets in an Indonesian locale save with ';' because ',' is their decimal separator.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(chain([first], lines), delimiter=delimiter)
    header = next((fields for fields in reader if not blank(fields)), None)
    if header is None:
        raise FileRefused("no header line", {"file": ["no header line"]})
    return Header(delimiter, _check_header(header, layout), skipped + reader.line_num)


def blank(fields: list[str]) -> bool:
    # Spreadsheets leave lines such as ";;;;" after the last row: as empty as an empty line.
    return all(not field.strip() for field in fields)


def _check_header(header: list[str], layout: Layout) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    while names and not names[-1]:
        names.pop()  # trailing empty cells of a spreadsheet export
    columns = layout.columns
    problems = [f"missing column: {name}" for name in columns if name in layout.required and name not in names]
    problems += [f"unknown column: {name}" for name in names if name and name not in columns]
    problems += [f"column {i} has no name" for i, name in enumerate(names, 1) if not name]
    problems += [f"duplicate column: {name}" for name in columns if names.count(name) > 1]
    if problems and not set(columns) & set(names):
        # Nothing we know: most likely a file without a header, whose first line is data.
        problems = ["no header line: the first line must name the columns (" + ", ".join(columns) + ")"]
    if problems:
        raise FileRefused("; ".join(problems), {"header": problems})
    return {name: i for i, name in enumerate(names)}


class Records:
    """The data records after line `start`, as (line number, fields) or a RowError for a malformed line.

    Fields come one per header column, plus an empty string at the end that an absent optional column
    reads. `lines_read` is the number of physical lines consumed so far: resuming at it reads on exactly
    after the last record handed out."""

    def __init__(self, lines: Iterable[str], header: Header, start: int) -> None:
        self.lines_read = start
        self._width = len(header.positions)
        self._reader = csv.reader(islice(lines, start, None), delimiter=header.delimiter)

    def __iter__(self) -> Iterator[tuple[int, list[str]] | RowError]:
        reader, width, start = self._reader, self._width, self.lines_read
        try:
            for fields in reader:
                # A quoted field may span lines: a record is numbered by the line it starts on.
                number, self.lines_read = self.lines_read + 1, start + reader.line_num
                if not (fields and fields[0].strip()) and blank(fields):
                    continue
                if len(fields) != width:
                    if len(fields) < width or not blank(fields[width:]):
                        yield RowError(number, "line", f"has {len(fields)} fields, the header has {width}")
                        continue
                    del fields[width:]
                fields.append("")
                yield number, fields
        except csv.Error as exc:
            # Only a damaged file gets here (e.g. a field over 128 KiB): report it and read no further.
            yield RowError(self.lines_read + 1, "line", f"unreadable CSV: {exc}")
