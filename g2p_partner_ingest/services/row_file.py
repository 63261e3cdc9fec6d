"""The rows of a CSV or XLSX file as data-collection tools export them, read one at a time.

Nothing holds the whole file's rows: the CSV is decoded as it is read (the encoding is found first by
decoding it chunk by chunk, the delimiter by ``csv.Sniffer`` on its first part), the XLSX is read
with openpyxl in read-only mode. Rows are numbered as a spreadsheet numbers them: the header is row 1.
"""

import codecs
import contextlib
import csv
import hashlib
import io
import zipfile
from datetime import date, datetime, time

import openpyxl

XLSX_MAGIC = b"PK\x03\x04"
# utf-8-sig reads UTF-8 with or without a byte-order mark; cp1252 is what Excel on Windows writes
ENCODINGS = ("utf-8-sig", "cp1252")
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


def open_rows(fileobj):
    """(header, rows): the header row's column names and an iterator of ``(row number, {column: text})``,
    for a binary, seekable ``fileobj`` holding a CSV or an XLSX file."""
    fileobj.seek(0)
    is_xlsx = fileobj.read(len(XLSX_MAGIC)) == XLSX_MAGIC
    fileobj.seek(0)
    table = _xlsx_rows(fileobj) if is_xlsx else _csv_rows(fileobj)
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


def _encoding(fileobj):
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        fileobj.seek(0)
        try:
            for chunk in iter(lambda: fileobj.read(CHUNK), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        fileobj.seek(0)
        return encoding
    raise FileUnreadable("The file is neither UTF-8 nor Windows-1252 text.")


def _csv_rows(fileobj):
    encoding = _encoding(fileobj)
    text = io.TextIOWrapper(fileobj, encoding=encoding, newline="")
    sample = text.read(CHUNK)
    text.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        dialect = csv.excel  # one column, or nothing to tell the delimiter by: commas
    try:
        yield from csv.reader(text, dialect)
    except csv.Error as exc:
        raise FileUnreadable(f"The CSV cannot be read: {exc}") from exc
    finally:
        # the wrapper would close the caller's file when collected; the caller may have closed it already
        with contextlib.suppress(ValueError):
            text.detach()


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


def _xlsx_rows(fileobj):
    _check_unpacked_size(fileobj)
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileUnreadable(f"The XLSX file cannot be opened: {exc}") from exc
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield [_cell_text(value) for value in row]
    finally:
        workbook.close()


def _cell_text(value):
    """A cell as the text a CSV export of it would hold (an Excel date as YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
