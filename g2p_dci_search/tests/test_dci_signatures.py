import time

from odoo.tests import tagged

from .common import DciCase, private_key, public_pem, spdci_signature


@tagged("post_install", "-at_install")
class TestDciSignatures(DciCase):
    """Ed25519 participants: EdDSA compact JWS and the spec's `Signature:` string form."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ed_key = private_key("ed25519")
        cls.client.public_key = public_pem(cls.ed_key)
        cls.env["res.partner"].create({"is_registrant": True, "given_name": "Edda", "family_name": "Signson"})

    def signed(self, **signature_args):
        envelope = self.envelope(
            [self.item("expression", {"family_name": "Signson"})], key=self.ed_key, algorithm="EdDSA"
        )
        envelope["signature"] = spdci_signature(envelope, signature_args.pop("key", self.ed_key), **signature_args)
        return envelope

    def status(self, envelope):
        """("succ", None), or ("refused", the err.* code) for a message that cannot be trusted."""
        response = self.search(envelope, validate=False)
        if response.status_code == 403:
            return "refused", self.assert_untrusted(response, response.json()["errors"][0]["code"])["errors"][0]["code"]
        self.assertEqual(response.status_code, 200, response.text)
        self.response_validator.validate(response.json())
        header = response.json()["header"]
        return header["status"], header.get("status_reason_code")

    def test_eddsa_compact_jws(self):
        envelope = self.envelope(
            [self.item("expression", {"family_name": "Signson"})], key=self.ed_key, algorithm="EdDSA"
        )
        self.assertEqual(self.status(envelope)[0], "succ")
        forged = self.envelope(
            [self.item("expression", {"family_name": "Signson"})], key=private_key("ed25519"), algorithm="EdDSA"
        )
        self.assertEqual(self.status(forged), ("refused", "err.signature.invalid"))

    def test_signature_string_form(self):
        envelope = self.signed()
        self.request_validator.validate(envelope)
        self.assertEqual(self.status(envelope)[0], "succ")
        self.assertEqual(self.env["g2p.dci.transaction"].search_count([("client_id", "=", self.client.id)]), 1)

    def test_signature_string_form_refusals(self):
        now = int(time.time())
        tampered = self.signed()
        tampered["message"]["search_request"][0]["search_criteria"]["query"] = {"family_name": "Someone else"}
        other_sender = self.signed(sender_id="someone.else")
        cases = {
            "tampered message": tampered,
            "another key": self.signed(key=private_key("ed25519")),
            "expired": self.signed(created=now - 700, expires=now - 100),
            "created in the future": self.signed(created=now + 600, expires=now + 1200),
            "kidId of another sender": other_sender,
            "not base64": dict(
                self.signed(), signature=self.signed()["signature"].rsplit('signature="', 1)[0] + 'signature="%%%"'
            ),
            "other headers": dict(
                self.signed(),
                signature=self.signed()["signature"].replace(
                    'headers="(created) (expires) digest"', 'headers="(created) digest"'
                ),
            ),
        }
        for case, envelope in cases.items():
            self.assertEqual(self.status(envelope), ("refused", "err.signature.invalid"), case)
        self.client.public_key = public_pem(private_key("ec"))
        self.assertEqual(
            self.status(self.signed()), ("refused", "err.signature.invalid"), "the string form is ed25519 only"
        )
        self.assertFalse(
            self.env["g2p.dci.transaction"].search([("client_id", "=", self.client.id)]),
            "nothing is recorded for a refused envelope",
        )

    def test_compact_jws_segments_checked_as_pyjwt_does(self):
        """The registry checks a JWS's base64url segments with its own pattern (pyjwt's loop over each
        character was a tenth of a batch's CPU): a payload segment off the alphabet, or not in its
        canonical encoding, is still refused, and nothing is recorded."""
        envelope = self.envelope(
            [self.item("expression", {"family_name": "Signson"})], key=self.ed_key, algorithm="EdDSA"
        )
        header, payload, crypto = envelope["signature"].split(".")
        cases = {
            "payload off the alphabet": f"{header}.{payload[:-4]}+/{payload[-2:]}.{crypto}",
            "payload padded too much": f"{header}.{payload}===.{crypto}",
            "a fourth segment": f"{header}.{payload}.{crypto}.{crypto}",
        }
        for case, signature in cases.items():
            self.assertEqual(
                self.status(dict(envelope, signature=signature)), ("refused", "err.signature.invalid"), case
            )
        self.assertFalse(self.env["g2p.dci.transaction"].search([("client_id", "=", self.client.id)]))
        self.assertEqual(self.status(envelope)[0], "succ", "the untouched envelope passes")
