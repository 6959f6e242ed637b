"""Reading a CSV upload row by row, with every problem reported as `line N, column NAME: message`."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence


class CsvError(ValueError):
    """A CSV file with problems; `errors` lists them all, in file order."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


def row_error(line: int, column: str, message: str) -> str:
    return f"line {line}, column {column}: {message}"


def decode(data: str | bytes) -> str:
    """The file as text; a UTF-8 byte-order mark is dropped, other encodings are refused."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvError([f"line {line}: the file is not UTF-8 text; save it as CSV UTF-8"]) from None


def read_rows(
    data: str | bytes, columns: Sequence[str]
) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """(line number, row) for each non-blank row, and the problems of shape found on the way.

    A wrong header raises CsvError at once (no row can be read without it). Line numbers are the
    file's own (the header is line 1), so a quoted field spanning lines does not shift the rows
    after it.
    """
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[str] = []
    line = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(f"line {line}: the CSV cannot be read here ({exc})")
            break
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in record]
            _check_header(header, columns, start)
            continue
        if len(record) != len(header):
            errors.append(
                f"line {start}: {len(record)} fields where the header has {len(header)}"
                " (a comma inside a value needs double quotes around the value)"
            )
            continue
        rows.append(
            (start, {name: cell.strip() for name, cell in zip(header, record, strict=True)})
        )
    if header is None:
        raise CsvError([f"line 1: the file is empty; the header must be {','.join(columns)}"])
    return rows, errors


def _check_header(header: list[str], columns: Sequence[str], line: int) -> None:
    missing = [c for c in columns if c not in header]
    unknown = [c for c in header if c not in columns]
    repeated = sorted({c for c in header if header.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if repeated:
        problems.append(f"repeated column(s) {', '.join(repeated)}")
    if problems:
        raise CsvError(
            [f"line {line}: {'; '.join(problems)}; the header must be {','.join(columns)}"]
        )
