"""POST /partner/ingest_file: CSV and XLSX files, one item per row, with a signed manifest."""

import csv
import hashlib
import io
import json
import tracemalloc
import uuid
import zipfile
from datetime import datetime

import openpyxl
from cryptography.hazmat.primitives.asymmetric import ec

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..services.row_file import open_rows
from .common import IngestCase

HEADER = ["first_name", "last_name", "dob", "sex", "national_id", "village", "_uuid"]


def xlsx_file(rows):
    """An XLSX workbook made by openpyxl as a spreadsheet tool saves it (dates as dates, ids as numbers)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows, delimiter=",", encoding="utf-8"):
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


@tagged("post_install", "-at_install")
class TestIngestFile(IngestCase):
    def manifest(
        self, content, data_model="PERSON_JSON", message_id=None, sha256=None, key=None, sender="KOBO", encoding=None
    ):
        message_id = message_id or str(uuid.uuid4())
        message = {
            "data_model": data_model,
            "sha256": sha256 or hashlib.sha256(content).hexdigest(),
            "file_name": "export.csv",
        }
        if encoding:
            message["encoding"] = encoding
        return {
            "header": {"message_id": message_id, "sender_id": sender},
            "message": message,
            "signature": self.signature(message, key or self.key, message_id),
        }

    def post_file(self, content, manifest=None, params=None, file_name="export.csv"):
        manifest = manifest if manifest is not None else self.manifest(content)
        with self._api() as api:
            return api.post(
                "/partner/ingest_file",
                files={"file": (file_name, content, "application/octet-stream")},
                data={"manifest": manifest if isinstance(manifest, str) else json.dumps(manifest)},
                params=params or {},
            )

    def header_of(self, response):
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["response_header"]

    def status(self, correlation_id):
        with self._api() as api:
            response = api.get(f"/partner/ingest_status/{correlation_id}", headers=self._auth(self.client, self.secret))
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["items"]

    def test_xlsx_rows_become_change_requests_with_status_per_row(self):
        content = xlsx_file(
            [
                ["Amina", "Banda", datetime(1990, 3, 4), "F", 81000001, "Zomba", "a1"],
                ["Peter", "Phiri", datetime(1985, 11, 20), "M", 81000002, "Dedza", "a2"],
            ]
        )
        response = self.post_file(content, file_name="export.xlsx")
        header = self.header_of(response)
        self.assertEqual(header["response_status"], "SUCCESS", response.text)
        self.assertEqual(response.json()["response_payload"]["item_count"], 2)
        self.run_jobs()
        items = self.status(header["correlation_id"])
        self.assertEqual(
            [(i["row"], i["state"], i["operation"]) for i in items], [(2, "done", "ADD"), (3, "done", "ADD")]
        )
        rows = self.Raw.search([("correlation_id", "=", header["correlation_id"])], order="item_index")
        proposed = [self.proposed(r.change_request_id) for r in rows]
        self.assertEqual(
            [(p["given_name"], p["birthdate"], p["gender"], p["identifiers"]) for p in proposed],
            [
                ("Amina", "1990-03-04", "female", [{"system": "urn:g2p:id:national-id", "value": "81000001"}]),
                ("Peter", "1985-11-20", "male", [{"system": "urn:g2p:id:national-id", "value": "81000002"}]),
            ],
        )
        self.assertTrue(rows[0].verified_key_fingerprint)
        # the row as the file had it is what is kept
        self.assertEqual(json.loads(rows[0].payload)["_uuid"], "a1")

    def test_csv_bad_rows_fail_alone_naming_row_and_column(self):
        # semicolons and Windows-1252 (declared), as Excel on Windows saves a CSV
        content = csv_file(
            [
                ["Zoé", "Mwale", "1992-05-17", "F", "81000011", "Salima", ""],
                ["Jean", "Okafor", "17/05/1992", "M", "81000012", "", ""],
                ["Ama", "Mensah", "1994-01-02", "X", "81000013", "", ""],
            ],
            delimiter=";",
            encoding="cp1252",
        )
        header = self.header_of(self.post_file(content, self.manifest(content, encoding="windows-1252")))
        self.assertEqual(header["response_status"], "SUCCESS")
        self.run_jobs()
        items = self.status(header["correlation_id"])
        self.assertEqual([(i["row"], i["state"]) for i in items], [(2, "done"), (3, "failed"), (4, "failed")])
        self.assertEqual({i["error_code"] for i in items[1:]}, {"TRANSFORMATION_FAILED"})
        self.assertIn("row 3, column 'dob'", items[1]["error_message"])
        self.assertIn("row 4, column 'sex': 'X' is not a code of urn:g2p:vocab:gender", items[2]["error_message"])
        request = self.Raw.search([("correlation_id", "=", header["correlation_id"]), ("file_row", "=", 2)])
        self.assertEqual(self.proposed(request.change_request_id)["given_name"], "Zoé")

    def test_dry_run_then_the_same_message_id_once(self):
        content = csv_file(
            [["Esi", "Diallo", "2001-02-03", "F", "81000021", "", ""], ["", "Nkosi", "", "", "", "", ""]]
        )
        manifest = self.manifest(content)
        dry = self.post_file(content, manifest, {"dry_run": "true"}).json()["response_payload"]
        self.assertEqual(
            [(i["row"], i.get("operation"), i.get("error_code")) for i in dry["items"]],
            [(2, "ADD", None), (3, None, "TRANSFORMATION_FAILED")],
        )
        self.assertIn("row 3, column 'first_name'", dry["items"][1]["error_message"])
        self.assertEqual(self.received_count(), 0)
        first = self.header_of(self.post_file(content, manifest))
        again = self.post_file(content, manifest).json()
        self.assertEqual(again["response_header"]["correlation_id"], first["correlation_id"])
        self.assertTrue(again["response_payload"]["duplicate"])
        self.assertEqual(self.received_count(), 2)

    def test_refused_files_write_nothing(self):
        content = csv_file([["Kofi", "Mensah", "1990-01-01", "M", "81000031", "", ""]])
        other_key_manifest = self.manifest(content)
        other_key = ec.generate_private_key(ec.SECP256R1())
        other_key_manifest = self.manifest(content, key=other_key)
        unknown_column = b"first_name,nickname\nKofi,K\n"
        cases = [
            (content, self.manifest(content, sha256="0" * 64), "REQUEST_VALIDATION_ERROR", "SHA-256"),
            (content, other_key_manifest, "REQUEST_VALIDATION_ERROR", "Signature"),
            (content, self.manifest(content, sender="NOBODY"), "PARTNER_NOT_REGISTERED", "NOBODY"),
            (content, self.manifest(content, data_model="REST_INDIVIDUAL"), "INVALID_REQUEST", "no column map"),
            (unknown_column, self.manifest(unknown_column), "INVALID_REQUEST", "'nickname'"),
            (b"first_name\n\x81\x8d\n", self.manifest(b"first_name\n\x81\x8d\n"), "FILE_UNREADABLE", "UTF-8"),
            (content, "{not json", "INVALID_REQUEST", "not JSON"),
            (content, dict(self.manifest(content), header={"sender_id": "KOBO"}), "INVALID_REQUEST", "message_id"),
        ]
        for file_content, manifest, code, words in cases:
            with self.subTest(code=code, words=words):
                header = self.header_of(self.post_file(file_content, manifest))
                self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", code))
                self.assertIn(words, header["error_message"])
        self.assertEqual(self.received_count(), 0)
        with self._api() as api:
            missing = api.post("/partner/ingest_file", files={"file": ("a.csv", content, "text/csv")})
        self.assertEqual(
            (missing.status_code, missing.json()["response_header"]["error_code"]), (422, "INVALID_PARAMETERS")
        )

    def test_an_xlsx_that_unpacks_to_far_more_than_it_weighs_is_refused_unread(self):
        # a real workbook, and one part of 32 MB of zeros: about 32 KB once compressed (a zip bomb)
        workbook = zipfile.ZipFile(io.BytesIO(xlsx_file([["Kofi", "Mensah", "1990-01-01", "M", "81000032", "", ""]])))
        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in workbook.infolist():
                archive.writestr(info, workbook.read(info))
            archive.writestr("xl/media/padding.bin", bytes(32 * 1024 * 1024))
        content = bomb.getvalue()
        self.assertLess(len(content), 256 * 1024)
        header = self.header_of(self.post_file(content, file_name="export.xlsx"))
        self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", "FILE_UNREADABLE"))
        self.assertIn("unpacks to 33", header["error_message"])
        self.assertEqual(self.received_count(), 0)

    def test_a_hundred_thousand_rows_are_read_without_holding_them(self):
        lines = ["first_name,last_name,dob,sex,national_id,village"]
        lines += [f"Given{i},Family{i},1990-01-01,F,{70000000 + i},Village" for i in range(100000)]
        content = io.BytesIO("\n".join(lines).encode())
        del lines
        tracemalloc.start()
        try:
            header, rows = open_rows(content)
            count = sum(1 for _row in rows)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual((len(header), count), (6, 100000))
        # the file is about 5 MB; its rows as dicts would be well over 50 MB
        self.assertLess(peak, 2 * 1024 * 1024, f"peak {peak} bytes while reading")

    def test_a_column_map_is_checked_when_saved(self):
        model = self.env.ref("g2p_partner_ingest.data_model_person_json")
        for column_map in (
            {"columns": {"Name": "nickname"}},
            {"columns": {"Surname": "family_name"}},
            {"columns": {"Name": "given_name", "Other": "given_name"}},
        ):
            with self.subTest(column_map=column_map), self.assertRaises(ValidationError):
                model.column_map = json.dumps(column_map)
                model.flush_recordset()
        with self.assertRaises(ValidationError):
            self.env.ref("g2p_partner_ingest.data_model_household_batch").column_map = json.dumps(
                {"columns": {"Name": "given_name"}}
            )

    def test_the_file_endpoint_is_documented_with_its_manifest_example(self):
        with self._api() as api:
            spec = api.get("/partner/openapi.json").json()
        operation = spec["paths"]["/ingest_file"]["post"]
        (content_type,) = operation["requestBody"]["content"]
        self.assertEqual(content_type, "multipart/form-data")
        schema = spec["components"]["schemas"][
            operation["requestBody"]["content"][content_type]["schema"]["$ref"].split("/")[-1]
        ]
        self.assertEqual(set(schema["required"]), {"file", "manifest"})
        example = json.loads(schema["properties"]["manifest"]["examples"][0])
        self.assertEqual(set(example), {"header", "message", "signature"})
        self.assertIn("dry_run", {parameter["name"] for parameter in operation["parameters"]})

    def _xlsx_with_formats(self, rows, formats):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
        for cell, number_format in formats.items():
            sheet[cell].number_format = number_format
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def test_xlsx_cells_are_taken_as_shown_or_their_row_fails_naming_the_column(self):
        national_id = self.env.ref("g2p_partner_api.id_type_national_id")
        someone_else = self.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Somebody",
                "family_name": "Zzcells",
                "reg_id_ids": [(0, 0, {"id_type_id": national_id.id, "value": "881234"})],
            }
        )
        content = self._xlsx_with_formats(
            [
                # shown 00881234 (format 00000000): that is the national id, not 881234
                ["Leading", "Zzcells", datetime(1990, 3, 4), "F", 881234, "Zomba", "a1"],
                ["Bool", True, None, None, None, None, "a2"],
                ["Big", "Zzcells", None, None, 12345678901234567, None, "a3"],
                ["Dated", "Zzcells", None, None, None, datetime(2020, 1, 2), "a4"],
                ["Decimal", "Zzcells", None, None, 81000041, None, "a5"],
                ["Numbered", "Zzcells", 19900304, None, None, None, "a6"],
                # Kobo's own columns the column map ignores are kept as they were, whatever their cells
                ["Plain", "Zzcells", "1991-02-03", "M", 81000042, "Dedza", datetime(2020, 1, 2, 10, 30)],
            ],
            {"E2": "00000000", "E6": "0.00"},
        )
        requests_before = self.CR.search_count([])
        header = self.header_of(self.post_file(content, file_name="export.xlsx"))
        self.assertEqual(header["response_status"], "SUCCESS", header)
        self.run_jobs()
        items = self.status(header["correlation_id"])
        failed = {i["row"]: i["error_message"] for i in items if i["state"] == "failed"}
        self.assertEqual(
            failed,
            {
                3: "row 3, column 'last_name': write it as text (the cell is TRUE/FALSE)",
                4: "row 4, column 'national_id': write it as text (the cell is the number 1.234567890123457e+16 in "
                "the format 'General')",
                5: "row 5, column 'village': write it as text (the cell is the date 2020-01-02)",
                6: "row 6, column 'national_id': write it as text (the cell is the number 81000041 in the format "
                "'0.00')",
                7: "row 7, column 'dob': write it as a date or as YYYY-MM-DD text (the cell is the number 19900304 in "
                "the format 'General')",
            },
        )
        self.assertEqual({i["error_code"] for i in items if i["state"] == "failed"}, {"TRANSFORMATION_FAILED"})
        rows = self.Raw.search([("correlation_id", "=", header["correlation_id"])], order="item_index")
        self.assertFalse(rows.filtered(lambda r: r.file_row in failed).change_request_id, "nothing proposed")
        self.assertEqual(self.CR.search_count([]), requests_before + 2)
        padded, plain = (self.proposed(r.change_request_id) for r in rows.filtered(lambda r: r.file_row in (2, 8)))
        self.assertEqual(padded["identifiers"], [{"system": "urn:g2p:id:national-id", "value": "00881234"}])
        self.assertEqual((padded["birthdate"], plain["identifiers"][0]["value"]), ("1990-03-04", "81000042"))
        self.assertEqual(rows.filtered(lambda r: r.file_row == 2).change_request_id.operation, "add")
        self.assertFalse(self.CR.search([("registrant_id", "=", someone_else.id)]), "not an update of someone else")
        self.assertEqual(json.loads(rows[-1].payload)["_uuid"], "2020-01-02T10:30:00")

    def test_a_csv_is_utf_8_or_the_code_page_its_manifest_declares(self):
        cyrillic = "first_name,last_name\nИван,Zzcyrillic\n".encode("cp1251")
        header = self.header_of(self.post_file(cyrillic, params={"dry_run": "true"}))
        self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", "FILE_UNREADABLE"))
        self.assertIn("The file is not UTF-8 text", header["error_message"])
        self.assertIn("message.encoding", header["error_message"])
        undefined_in_1252 = b"first_name\nKofi\x81\n"
        manifest = self.manifest(undefined_in_1252, encoding="windows-1252")
        header = self.header_of(self.post_file(undefined_in_1252, manifest))
        self.assertEqual(header["error_code"], "FILE_UNREADABLE")
        self.assertIn("The file is not windows-1252 text (byte 16 is not)", header["error_message"])
        header = self.header_of(self.post_file(cyrillic, self.manifest(cyrillic, encoding="cp1251")))
        self.assertEqual(header["error_code"], "INVALID_REQUEST")
        self.assertIn("manifest.message.encoding", header["error_message"])
        self.assertEqual(self.received_count(), 0, "nothing stored")
        declared = self.manifest(cyrillic, encoding="windows-1251")
        (item,) = self.post_file(cyrillic, declared, {"dry_run": "true"}).json()["response_payload"]["items"]
        self.assertEqual(item["canonical"]["given_name"], "Иван")
        with_bom = "\ufefffirst_name;last_name\nZoé;Zzbom\n".encode()
        (item,) = self.post_file(with_bom, params={"dry_run": "true"}).json()["response_payload"]["items"]
        self.assertEqual((item["canonical"]["given_name"], item["canonical"]["family_name"]), ("Zoé", "Zzbom"))
