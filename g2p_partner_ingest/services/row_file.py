"""The rows of a CSV or XLSX file as data-collection tools export them, read one at a time.

Nothing holds the whole file's rows: the CSV is decoded as it is read (checked first by decoding it chunk
by chunk, the delimiter found by ``csv.Sniffer`` on its first part), the XLSX is read with openpyxl in
read-only mode. Rows are numbered as a spreadsheet numbers them: the header is row 1.

A CSV is read as RFC 4180 writes it (Excel, KoBo, Python's csv): a quote in a cell doubled and the cell
quoted, leading spaces kept as data. Only the delimiter is guessed, never the quoting: ``csv.Sniffer`` takes
a file for one without doubled quotes when its first part holds none. A quote the standard does not allow (in
a cell that is not quoted, after a quoted cell's closing quote, a quoted cell never closed) refuses the file,
naming the row: read another way, the cell would be other text than the sender wrote.

A CSV is UTF-8 (with or without a byte-order mark) unless the sender declares another encoding: a guess
would turn a file of another code page into other letters. An XLSX cell is read as the text it shows
only where that text is certain (see ``_text_cell`` and ``_date_cell``); any other cell of a column the
data model reads is kept as ``{"refused": what to do}``, so that its row fails naming the column. A formula
cell is read as the value the file saved with it, the value its sender saw; a file written by a program
(openpyxl, pandas) saves none, and such a cell of a column the data model reads is refused (openpyxl cannot
tell a saved empty text from no saved value: both are refused), not read as empty.
"""

import codecs
import contextlib
import csv
import hashlib
import io
import re
import zipfile
from datetime import date, datetime, time

import openpyxl

XLSX_MAGIC = b"PK\x03\x04"
# utf-8-sig reads UTF-8 with or without a byte-order mark; a manifest may declare one of the others
# (Excel on Windows saves "CSV" in the code page of its language)
UTF8 = "utf-8"
DECLARABLE_ENCODINGS = (UTF8,) + tuple(f"windows-{page}" for page in range(1250, 1259))
DELIMITERS = ",;\t|"
CHUNK = 64 * 1024
# an XLSX is a zip: what it unpacks to is bounded before openpyxl reads it (read-only mode streams the sheet,
# but holds the shared strings, and rows left empty are not counted against the data model's row limit), so a
# small compressed file cannot make a worker parse gigabytes. Spreadsheets compress 5 to 20 times.
MAX_XLSX_RATIO = 100
MIN_XLSX_UNPACKED = 16 * 1024 * 1024
MAX_XLSX_UNPACKED = 256 * 1024 * 1024


class FileUnreadable(Exception):
    """The file cannot be read as a CSV or XLSX table (the message says where)."""


def sha256_of(fileobj):
    """Hex SHA-256 of the whole file, read in chunks; leaves the file at its start."""
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(CHUNK), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def open_rows(fileobj, column_kinds=None, encoding=None):
    """(header, rows): the header row's column names and an iterator of ``(row number, {column: text})``,
    for a binary, seekable ``fileobj`` holding a CSV (in ``encoding``, one of DECLARABLE_ENCODINGS, UTF-8
    when None) or an XLSX file. ``column_kinds``: {column: "text" or "date"}, how the XLSX cells of the
    columns that are read are taken; any other column's cells are kept as the text a CSV export would hold."""
    fileobj.seek(0)
    is_xlsx = fileobj.read(len(XLSX_MAGIC)) == XLSX_MAGIC
    fileobj.seek(0)
    table = _xlsx_rows(fileobj, column_kinds or {}) if is_xlsx else _csv_rows(fileobj, encoding or UTF8)
    header = next(table, None)
    if not header or not any(header):
        raise FileUnreadable("The file has no header row.")
    header = [cell.strip() for cell in header]
    while not header[-1]:  # spreadsheets often report empty cells right of the table
        header.pop()
    if "" in header:
        raise FileUnreadable(f"Column {header.index('') + 1} of the header row has no name.")
    return header, _records(header, table)


def _records(header, table):
    for number, cells in enumerate(table, start=2):
        if not any(cells):
            continue
        if len(cells) > len(header) and any(cells[len(header) :]):
            raise FileUnreadable(f"Row {number} has {len(cells)} cells, the header row {len(header)}.")
        yield number, dict(zip(header, cells, strict=False))


def _python_codec(encoding):
    if encoding not in DECLARABLE_ENCODINGS:
        raise FileUnreadable(f"The encoding {encoding!r} is not one of {', '.join(DECLARABLE_ENCODINGS)}.")
    return "utf-8-sig" if encoding == UTF8 else encoding


def _check_decodes(fileobj, encoding):
    """Refuse, saying where, a file that is not text in ``encoding``: nothing is read as another code page."""
    decoder = codecs.getincrementaldecoder(_python_codec(encoding))()
    fileobj.seek(0)
    read = 0
    try:
        for chunk in iter(lambda: fileobj.read(CHUNK), b""):
            # the decoder's error counts from the bytes it held back from the chunk before
            start = read - len(decoder.getstate()[0])
            read += len(chunk)
            decoder.decode(chunk)
        start = read - len(decoder.getstate()[0])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        name = "UTF-8" if encoding == UTF8 else encoding
        raise FileUnreadable(
            f"The file is not {name} text (byte {start + exc.start + 1} is not): save it as CSV UTF-8, or declare "
            f"its encoding in the manifest (message.encoding: one of {', '.join(DECLARABLE_ENCODINGS)})."
        ) from exc
    finally:
        fileobj.seek(0)


class Rfc4180(csv.excel):
    """The standard CSV (doubled quotes, leading spaces kept); ``strict``: a quote out of place is an error."""

    strict = True


def _csv_rows(fileobj, encoding):
    _check_decodes(fileobj, encoding)
    encoding = _python_codec(encoding)
    text = io.TextIOWrapper(fileobj, encoding=encoding, newline="")
    delimiter = _sniffed_delimiter(text.read(CHUNK))
    text.seek(0)
    record_lines = []  # the lines of the record being read: csv.reader reads one or more per record
    reader = csv.reader(_kept_lines(text, record_lines), Rfc4180, delimiter=delimiter)
    record_format = _record_format(delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):  # noqa: B007 - the row an error names follows it
            record = "".join(record_lines)
            record_lines.clear()
            if '"' in record and not record_format.fullmatch(record):
                raise FileUnreadable(
                    f"Row {number}: a quote in a cell that is not quoted; quote the cell and double its quotes "
                    '(RFC 4180: "a ""b"" c").'
                )
            yield cells
    except csv.Error as exc:
        raise FileUnreadable(f"Row {number + 1}: the CSV cannot be read: {exc}") from exc
    finally:
        # the wrapper would close the caller's file when collected; the caller may have closed it already
        with contextlib.suppress(ValueError):
            text.detach()


def _sniffed_delimiter(sample):
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","  # one column, or nothing to tell the delimiter by


def _kept_lines(lines, kept):
    """``lines``, each also added to ``kept`` as it is read (the caller empties it after each record)."""
    for line in lines:
        kept.append(line)
        yield line


def _record_format(delimiter):
    """A record as RFC 4180 writes it: each cell quoted (its quotes doubled) or holding no quote."""
    sep = re.escape(delimiter)
    cell = f'(?:"(?:[^"]|"")*"|[^"{sep}\r\n]*)'
    return re.compile(f"{cell}(?:{sep}{cell})*(?:\r\n|\n|\r)?")


def _check_unpacked_size(fileobj):
    """Refuse an XLSX whose parts unpack to more than MAX_XLSX_RATIO times its size (at least MIN_XLSX_UNPACKED,
    at most MAX_XLSX_UNPACKED). The sizes the zip declares are what zipfile (and so openpyxl) will unpack at most."""
    fileobj.seek(0, io.SEEK_END)
    packed = fileobj.tell()
    fileobj.seek(0)
    limit = min(MAX_XLSX_UNPACKED, max(MIN_XLSX_UNPACKED, MAX_XLSX_RATIO * packed))
    try:
        with zipfile.ZipFile(fileobj) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileUnreadable(f"The XLSX file cannot be opened: {exc}") from exc
    finally:
        fileobj.seek(0)
    if unpacked > limit:
        raise FileUnreadable(
            f"The XLSX file unpacks to {unpacked} bytes, more than the {limit} allowed for a file of {packed} bytes."
        )


def _xlsx_rows(fileobj, column_kinds):
    _check_unpacked_size(fileobj)
    # read twice, in step: the values the file saved, and its formulas (openpyxl reads a cell as one or the other)
    values = _open_workbook(fileobj, data_only=True)
    try:
        formulas = _open_workbook(fileobj, data_only=False)
    except FileUnreadable:
        values.close()
        raise
    try:
        rows = zip(values.worksheets[0].iter_rows(), formulas.worksheets[0].iter_rows(), strict=False)
        header = [_kept_cell(cell, formula) for cell, formula in zip(*next(rows, ((), ())), strict=False)]
        yield header
        readers = [CELL_READERS.get(column_kinds.get(name.strip()), _kept_cell) for name in header]
        for row, row_formulas in rows:
            # cells right of the header are read only to tell whether they are empty (_records)
            yield [
                readers[index](cell, formula) if index < len(readers) else _kept_cell(cell, formula)
                for index, (cell, formula) in enumerate(zip(row, row_formulas, strict=False))
            ]
    finally:
        values.close()
        formulas.close()


def _open_workbook(fileobj, data_only):
    fileobj.seek(0)
    try:
        return openpyxl.load_workbook(fileobj, read_only=True, data_only=data_only)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileUnreadable(f"The XLSX file cannot be opened: {exc}") from exc


def _unsaved_formula(cell, formula):
    """The formula of a cell the file saved no value for (a file written by a program), else None."""
    return formula.value if cell.value is None and formula.data_type == "f" else None


# a spreadsheet keeps 15 significant digits: a longer number in a cell is not the one typed
MAX_EXACT_WHOLE_NUMBER = 10**15
ZERO_PADDED = re.compile(r"0+")
# the key of a cell kept as {REFUSED: what to do}: never text, so never taken for a value
REFUSED = "refused"


def _text_cell(cell, formula):
    """A cell of a text column: text, or a whole number shown as its digits: in the General format, or in a
    format of zeros (00000000), zero-padded to its width as shown. Anything else would be stored as other
    text than the sheet shows (a TRUE/FALSE, a date, 1.5E+16, 12.50, a formula without its value): refused."""
    value = cell.value
    if _unsaved_formula(cell, formula) is not None:
        return _refused_formula(formula)
    if value is None:
        return ""
    if isinstance(value, str) and cell.data_type != "e":
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        width = _digits_shown(cell.number_format)
        if width is not None and 0 <= value < MAX_EXACT_WHOLE_NUMBER and value == int(value):
            return str(int(value)).zfill(width)
    return _refused(cell, "text")


def _digits_shown(number_format):
    """How many digits a whole number shows in ``number_format`` at least: 0 (its own) in General, the width
    of a format of zeros; None for any other format (decimals, separators, exponents, a currency...)."""
    if number_format == "General":
        return 0
    return len(number_format) if ZERO_PADDED.fullmatch(number_format) else None


def _date_cell(cell, formula):
    """A cell of a date column: a date (a date and time at midnight) as YYYY-MM-DD, or text (checked as a date
    later, like a CSV's)."""
    value = cell.value
    if _unsaved_formula(cell, formula) is not None:
        return _refused_formula(formula)
    if value is None:
        return ""
    if isinstance(value, str) and cell.data_type != "e":
        return value
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return _refused(cell, "a date or as YYYY-MM-DD text")


def _refused(cell, write_as):
    value = cell.value
    if cell.data_type == "e":
        what = f"the error {value}"
    elif isinstance(value, bool):
        what = "TRUE/FALSE"
    elif isinstance(value, int | float):
        what = f"the number {value!r} in the format {cell.number_format!r}"
    else:
        what = f"the date {_kept_value(value)}"
    return {REFUSED: f"write it as {write_as} (the cell is {what})"}


def _refused_formula(formula):
    return {
        REFUSED: f"write its value, not a formula (the cell holds the formula {formula.value}, "
        "and the file saved no value for it)"
    }


def _kept_cell(cell, formula):
    """A cell no column reads: its value, or the formula the file saved no value for (what the file holds)."""
    unsaved = _unsaved_formula(cell, formula)
    return str(unsaved) if unsaved is not None else _kept_value(cell.value)


def _kept_value(value):
    """A cell no column reads (an ignored column), as the text a CSV export of it would hold (a date as
    YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


CELL_READERS = {"text": _text_cell, "date": _date_cell}
