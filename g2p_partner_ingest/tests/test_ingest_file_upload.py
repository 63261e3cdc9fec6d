"""Staff upload a file on behalf of a partner: Registry Officers only, the partner's checks, four eyes after."""

import base64

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import IngestCase, public_pem

CSV = b"first_name,last_name,dob,sex,national_id,village\nChisomo,Banda,1991-04-05,F,82000001,Mzuzu\n"


@tagged("post_install", "-at_install")
class TestIngestFileUpload(IngestCase):
    def wizard(self, user, content=CSV, client=None):
        return (
            self.env["g2p.ingest.file.upload.wizard"]
            .with_user(user)
            .create(
                {
                    "client_id": (client or self.client).id,
                    "data_model_id": self.env.ref("g2p_partner_ingest.data_model_person_json").id,
                    "file": base64.b64encode(content),
                    "file_name": "team.csv",
                }
            )
        )

    def test_an_officer_uploads_once_and_may_not_approve_what_they_uploaded(self):
        officer = new_test_user(
            self.env,
            "upload_officer",
            groups="g2p_partner_api.group_registry_officer,g2p_partner_api.group_registry_approver",
        )
        action = self.wizard(officer).action_upload()
        rows = self.Raw.search(action["domain"])
        self.assertEqual((len(rows), rows.file_row, rows.uploaded_by_id), (1, 2, officer))
        self.assertFalse(rows.verified_key_fingerprint)
        # the same file again for the same partner is the same submission
        self.assertEqual(self.Raw.search(self.wizard(officer).action_upload()["domain"]), rows)
        self.run_jobs()
        request = rows.change_request_id
        self.assertEqual((request.submitted_by_id, request.client_id), (officer, self.client))
        with self.assertRaisesRegex(UserError, "Four eyes"):
            request.with_user(officer).action_approve()
        self.assertEqual(request.state, "pending")

    def test_check_tells_each_row_and_writes_nothing(self):
        officer = new_test_user(self.env, "check_officer", groups="g2p_partner_api.group_registry_officer")
        wizard = self.wizard(officer, CSV + b"Yohane,Phiri,05/04/1991,M,82000002,\n")
        wizard.action_check()
        self.assertIn("row 3, column 'dob'", str(wizard.check_result))
        self.assertEqual(self.received_count(), 0)

    def test_who_is_no_officer_cannot_upload_even_over_rpc(self):
        viewer = new_test_user(self.env, "upload_viewer", groups="g2p_partner_api.group_registry_viewer")
        officer = new_test_user(self.env, "upload_officer2", groups="g2p_partner_api.group_registry_officer")
        with self.assertRaises(AccessError):
            self.wizard(viewer)
        wizard = self.wizard(officer)
        for method in ("action_upload", "action_check"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(wizard.with_user(viewer), method)()
        self.assertEqual(self.received_count(), 0)

    def test_a_partner_without_the_ingest_scope_is_refused(self):
        officer = new_test_user(self.env, "upload_officer3", groups="g2p_partner_api.group_registry_officer")
        reader, _secret = self._create_client("Reader only", scopes=["individual:read"], partner_mnemonic="RDR")
        with self.assertRaisesRegex(UserError, "INSUFFICIENT_SCOPE"):
            self.wizard(officer, client=reader).action_upload()
        self.assertEqual(self.received_count(), 0)


@tagged("post_install", "-at_install")
class TestIngestFileUploadTour(HttpCase):
    def test_an_officer_checks_then_uploads_a_csv_and_reads_each_row(self):
        from cryptography.hazmat.primitives.asymmetric import ec

        scope = self.env["g2p.api.scope"].search([("code", "=", "ingest:write")])
        client = self.env["g2p.api.client"].create(
            {
                "name": "Field team upload",
                "partner_mnemonic": "FIELDTEAM",
                "scope_ids": [(6, 0, scope.ids)],
                "public_key": public_pem(ec.generate_private_key(ec.SECP256R1())),
            }
        )
        new_test_user(self.env, "tour_officer", groups="g2p_partner_api.group_registry_officer")
        action = self.env.ref("g2p_partner_ingest.action_ingest_file_upload_wizard")
        self.start_tour(f"/odoo/action-{action.id}", "g2p_ingest_file_upload", login="tour_officer")
        rows = self.env["g2p.ingest.raw"].search([("client_id", "=", client.id)], order="item_index")
        self.assertEqual(rows.mapped("file_row"), [2, 3])
        self.assertEqual(rows.uploaded_by_id.login, "tour_officer")
