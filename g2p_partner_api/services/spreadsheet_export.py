"""Odoo's *Export* to XLSX writes every text as text: never as a formula or a link.

xlsxwriter, which Odoo's export uses with its default options, turns a string that starts with ``=`` into a
formula and one that looks like a URL into a hyperlink. Registrants' names, identifiers and addresses come
from partners (ingested rows and files, REST writes), so a partner could plant ``=HYPERLINK(...)`` or a
formula that runs when a staff member opens the exported list (CSV/formula injection). The registry keeps
what was sent as it was sent (input is never silently changed); the export writes it as a string cell, which
a spreadsheet shows exactly and never evaluates. Odoo's CSV export already escapes a leading ``=``, ``+``, ``-``.
"""

from odoo.addons.web.controllers.export import ExportXlsxWriter

_write_any = ExportXlsxWriter.write


def write_text_as_text(self, row, column, cell_value, style=None):
    if isinstance(cell_value, str):
        self.worksheet.write_string(row, column, cell_value, style)
    else:
        _write_any(self, row, column, cell_value, style)


# every XLSX export of the database (GroupExportXlsxWriter, the grouped export, writes through it too)
ExportXlsxWriter.write = write_text_as_text
