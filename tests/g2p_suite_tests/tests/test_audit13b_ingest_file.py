"""Ninth audit (audit13b), fixed: ``POST /partner/ingest_file`` reads each cell as the file holds it, or refuses
the file or the row naming where ("input is never silently changed: refuse what you cannot store as sent, and name
the field")."""

import csv
import io
import json
import uuid
import zipfile
from datetime import datetime

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.g2p_partner_ingest.tests import test_ingest_file as ingest_file_tests
from odoo.addons.g2p_partner_ingest.tests.common import IngestCase


def csv_content(rows):
    text = io.StringIO()
    writer = csv.writer(text)  # the standard dialect: a quote in a cell is doubled, the cell quoted
    writer.writerow(ingest_file_tests.HEADER)
    writer.writerows(rows)
    return text.getvalue().encode()


def with_saved_value(content, cell, formula, value):
    """The XLSX ``content`` with ``value`` saved for the formula of ``cell``, as a spreadsheet application saves it
    (openpyxl writes a formula without its value)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    rewritten = io.BytesIO()
    unsaved = f'<c r="{cell}"><f>{formula}</f><v></v></c>'.encode()
    saved = f'<c r="{cell}" t="str"><f>{formula}</f><v>{value}</v></c>'.encode()
    with zipfile.ZipFile(rewritten, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert unsaved in data, data
                data = data.replace(unsaved, saved)
            archive.writestr(info, data)
    return rewritten.getvalue()


@tagged("post_install", "-at_install")
class TestIngestFileCellsAsSent(IngestCase):
    """The three proofs of ``TestAudit13bIngestFileCellsNotAsSent`` turned round: a standard CSV read with its doubled
    quotes whatever its first 64 KiB hold, a malformed quote or a NUL refused naming the row (and the column), a
    NUL the pipeline meets failing its item for good, an XLSX formula without its saved value refused naming the
    column (with its saved value: kept, the value the sender saw)."""

    manifest = ingest_file_tests.TestIngestFile.manifest
    post_file = ingest_file_tests.TestIngestFile.post_file

    def refused(self, content, code, message):
        response = self.post_file(content)
        self.assertEqual(response.status_code, 200, response.text)
        header = response.json()["response_header"]
        self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", code), response.text)
        self.assertIn(message, header["error_message"])

    def test_a_name_with_quotes_past_the_first_64_kib_is_stored_as_sent(self):
        # rows a spreadsheet exports empty (formatted cells): skipped by the reader, they only fill the sample
        content = csv_content(
            [["Esi", "Diallo", "2001-02-03", "F", "81130001", "Zomba", "r1"]]
            + [[""] * len(ingest_file_tests.HEADER)] * 9000
            + [["Kwame", 'Mensah "KK"', "1990-01-02", "M", "81130002", "Zomba", " r2"]]
        )
        self.assertGreater(len(content), 64 * 1024)
        self.assertIn(b'"Mensah ""KK"""', content, "the family name as the standard writes it")

        response = self.post_file(content)
        header = response.json()["response_header"]
        self.assertEqual(header["response_status"], "SUCCESS", response.text)
        self.run_jobs()
        rows = self.Raw.search([("correlation_id", "=", header["correlation_id"])], order="item_index")
        self.assertEqual(rows.mapped("file_row"), [2, 9003])
        kwame = json.loads(rows[1].payload)
        self.assertEqual((kwame["last_name"], kwame["_uuid"]), ('Mensah "KK"', " r2"), "as sent, spaces too")
        self.assertEqual(self.proposed(rows[1].change_request_id)["family_name"], 'Mensah "KK"')

    def test_a_quote_out_of_place_refuses_the_file_naming_the_row(self):
        good = "first_name,last_name,dob,sex,national_id,village,_uuid\nEsi,Diallo,2001-02-03,F,81130003,Zomba,r1\n"
        cases = [
            ('Kwame,Mensah "KK",1990-01-02,M,81130004,Zomba,r2\n', "Row 3: a quote in a cell that is not quoted"),
            ('Kwame,"Mensah "KK"",1990-01-02,M,81130004,Zomba,r2\n', "Row 3: the CSV cannot be read"),
            ('Kwame,"Mensah,1990-01-02,M,81130004,Zomba,r2\nAma,Owusu,,,,,\n', "Row 3: the CSV cannot be read"),
        ]
        for row, message in cases:
            with self.subTest(row=row):
                self.refused((good + row).encode(), "FILE_UNREADABLE", message)
        self.assertEqual(self.received_count(), 0, "nothing stored")

    def test_a_nul_character_in_a_csv_cell_is_refused_naming_the_row_and_column(self):
        refused = self.post(self.body({"person": self.person(nid="81130011", last="Ow\x00usu")}))
        self.assertEqual(refused.json()["response_header"]["response_status"], "ERROR", refused.text)
        self.assertIn("NUL characters are not allowed", refused.text)

        content = csv_content(
            [
                ["Esi", "Diallo", "2001-02-03", "F", "81130013", "Zomba", "r1"],
                ["Ama", "Ow\x00usu", "1990-01-02", "F", "81130012", "Zomba", "r2"],
            ]
        )
        self.refused(content, "INVALID_REQUEST", "Row 3, column 'last_name': NUL characters are not allowed")
        self.assertEqual(self.received_count(), 0, "nothing stored")

    def test_a_nul_the_pipeline_meets_fails_its_item_for_good(self):
        """A row stored before acceptance refused NUL: its ingestion fails it naming the error, not retried."""
        model = self.env.ref("g2p_partner_ingest.data_model_person_json")
        values = ["Ama", "Ow\x00usu", "1990-01-02", "F", "81130014", "Zomba", "r"]
        cells = dict(zip(ingest_file_tests.HEADER, values, strict=True))
        row = self.Raw._receive(self.client, model, str(uuid.uuid4()), [(2, cells)], from_file=True)
        requests_before = self.CR.search_count([])
        with mute_logger("odoo.sql_db"):  # the duplicate search's statement, refused by psycopg2
            self.run_jobs()
        self.env.invalidate_all()
        self.assertEqual((row.state, row.error_code), ("failed", "INGESTION_FAILED"))
        self.assertIn("NUL", row.error_message)
        self.assertFalse(row.change_request_id)
        self.assertEqual(self.CR.search_count([]), requests_before, "nothing proposed")

    def test_an_xlsx_formula_is_read_as_its_saved_value_or_refused_naming_the_column(self):
        content = ingest_file_tests.xlsx_file(
            [
                ["Kofi", "Boateng", datetime(1991, 1, 1), "M", '="81130021"', "Zomba", "x1"],
                ["Abena", "Boateng", datetime(1992, 2, 2), "F", '="81130022"', "Zomba", "x2"],
            ]
        )
        content = with_saved_value(content, "E3", '"81130022"', "81130022")
        response = self.post_file(content, file_name="export.xlsx")
        header = response.json()["response_header"]
        self.assertEqual(header["response_status"], "SUCCESS", response.text)
        requests_before = self.CR.search_count([])
        self.run_jobs()
        kofi, abena = self.Raw.search([("correlation_id", "=", header["correlation_id"])], order="item_index")
        self.assertEqual((kofi.state, kofi.error_code), ("failed", "TRANSFORMATION_FAILED"))
        self.assertEqual(
            kofi.error_message,
            "row 2, column 'national_id': write its value, not a formula (the cell holds the formula =\"81130021\", "
            "and the file saved no value for it)",
        )
        self.assertFalse(kofi.change_request_id)
        self.assertEqual(self.CR.search_count([]), requests_before + 1, "only the row with the value shown")
        identifiers = self.proposed(abena.change_request_id)["identifiers"]
        self.assertEqual(identifiers, [{"system": "urn:g2p:id:national-id", "value": "81130022"}], "the value shown")
