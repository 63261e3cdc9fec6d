"""A data model's column map: how a row of a CSV or XLSX file becomes a canonical registrant.

    {"columns": {"First name": "given_name", "National ID": "identifiers:urn:g2p:id:national-id", ...},
     "values": {"gender": {"F": "female", "M": "male"}},
     "ignored_columns": ["_uuid", "_submission_time"]}

``columns`` maps a header to a canonical field (or ``identifiers:<system>``); ``values`` maps what a
file writes to the register's code, per field (a value not listed is taken as written, and checked
like any code). A header neither mapped nor ignored refuses the file: nothing a partner sends is
silently dropped. An empty cell is no value. An XLSX cell that cannot be read as the text it shows
(``row_file.REFUSED``) fails its row, naming the column.
"""

import json

from .row_file import REFUSED

FIELDS = ("given_name", "family_name", "addl_name", "birthdate", "gender", "city", "country")
DATE_FIELDS = ("birthdate",)
IDENTIFIER_PREFIX = "identifiers:"


class ColumnMapInvalid(ValueError):
    pass


class ColumnMap:
    def __init__(self, spec):
        if not isinstance(spec, dict) or not isinstance(spec.get("columns"), dict) or not spec["columns"]:
            raise ColumnMapInvalid('A column map is a JSON object with "columns": {header: canonical field}.')
        unknown_keys = set(spec) - {"columns", "values", "ignored_columns"}
        if unknown_keys:
            raise ColumnMapInvalid(f"Unknown keys in the column map: {', '.join(sorted(unknown_keys))}.")
        self.columns = spec["columns"]
        self.values = spec.get("values") or {}
        self.ignored = set(spec.get("ignored_columns") or [])
        for header, field in self.columns.items():
            if field not in FIELDS and not (
                field.startswith(IDENTIFIER_PREFIX) and len(field) > len(IDENTIFIER_PREFIX)
            ):
                raise ColumnMapInvalid(
                    f"Column {header!r}: {field!r} is not one of {', '.join(FIELDS)} or identifiers:<system>."
                )
        mapped = [f for f in self.columns.values() if not f.startswith(IDENTIFIER_PREFIX)]
        if len(mapped) != len(set(mapped)):
            raise ColumnMapInvalid("Two columns are mapped to the same field.")
        if "given_name" not in mapped:
            raise ColumnMapInvalid("A column must be mapped to given_name.")
        for field, mapping in self.values.items():
            if field not in FIELDS or not isinstance(mapping, dict):
                raise ColumnMapInvalid(f'"values" of {field!r}: a mapping of a canonical field, {{written: code}}.')

    @classmethod
    def parse(cls, text):
        try:
            return cls(json.loads(text))
        except ValueError as exc:
            if isinstance(exc, ColumnMapInvalid):
                raise
            raise ColumnMapInvalid(f"The column map is not JSON: {exc}") from exc

    def header_problem(self, header):
        """Why the file's header row cannot be read with this map (naming the column), or None."""
        seen = set()
        for column in header:
            if column in seen:
                return f"Column {column!r} appears twice in the header row."
            seen.add(column)
            if column not in self.columns and column not in self.ignored:
                return f"Column {column!r} is neither mapped nor ignored by the data model's column map."
        if not any(self.columns.get(column) == "given_name" for column in header):
            return "No column of the file is mapped to given_name."
        return None

    def column_kinds(self):
        """{column: "date" or "text"}: how the file's cells of each mapped column are read (see row_file)."""
        return {header: "date" if field in DATE_FIELDS else "text" for header, field in self.columns.items()}

    def refused_cells(self, values):
        """[(column, what to write instead)] of the row's cells of mapped columns the file did not write as text
        the registry can take as it is shown (see row_file)."""
        return [
            (column, value[REFUSED])
            for column, value in values.items()
            if isinstance(value, dict) and column in self.columns
        ]

    def canonical(self, values):
        """(canonical registrant, {canonical location: column}) of one row ``{header: cell text}``."""
        canonical, identifiers, sources = {}, [], {}
        for column, value in values.items():
            field = self.columns.get(column)
            if field is None or value in (None, ""):
                continue
            if field.startswith(IDENTIFIER_PREFIX):
                sources[("identifiers", len(identifiers))] = column
                identifiers.append({"system": field[len(IDENTIFIER_PREFIX) :], "value": value})
                continue
            sources[(field,)] = column
            canonical[field] = self.values.get(field, {}).get(value, value)
        if identifiers:
            canonical["identifiers"] = identifiers
        return canonical, sources

    def column_of(self, loc, sources):
        """The column a canonical location (pydantic's ``loc``) was read from, or for a missing value
        the column it is read from."""
        loc = tuple(loc)
        for size in (2, 1):
            if loc[:size] in sources:
                return sources[loc[:size]]
        return next((column for column, field in self.columns.items() if (field,) == loc[:1]), None)
