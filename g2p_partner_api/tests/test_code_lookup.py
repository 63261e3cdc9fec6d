from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import G2PApiCase

GENDER = "urn:g2p:vocab:gender"


@tagged("post_install", "-at_install")
class TestCodeLookup(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # no scope at all: lookups need only a valid token
        cls.client, cls.secret = cls._create_client("Code reader", scopes=[])

    def test_vocabularies_listed_with_systems_partners_send(self):
        with self._api() as api:
            response = api.get("/api/v2/Vocabulary", headers=self._auth(self.client, self.secret))
        self.assertEqual(response.status_code, 200, response.text)
        systems = {v["system"]: v["name"] for v in response.json()}
        self.assertEqual(systems[GENDER], "Gender")
        self.assertIn("urn:g2p:vocab:group-membership-kind", systems)
        self.assertTrue(response.headers["ETag"])
        self.assertIn("max-age", response.headers["Cache-Control"])

    def test_codes_of_a_vocabulary_active_only_unless_asked(self):
        retired = self.env["g2p.vocabulary.code"].create(
            {
                "vocabulary_id": self.env.ref("g2p_partner_api.vocab_gender").id,
                "code": "retired-code",
                "display": "Retired",
                "definition": "No longer collected",
                "active": False,
            }
        )
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            active = api.get(f"/api/v2/Vocabulary/{GENDER}", headers=headers)
            everything = api.get(f"/api/v2/Vocabulary/{GENDER}", headers=headers, params={"include_inactive": "true"})
        self.assertEqual(active.status_code, 200, active.text)
        codes = {c["code"]: c["display"] for c in active.json()["codes"]}
        self.assertEqual(codes["male"], "Male")
        self.assertNotIn(retired.code, codes)
        listed = {c["code"]: c for c in everything.json()["codes"]}
        self.assertEqual(listed[retired.code]["definition"], "No longer collected")
        self.assertFalse(listed[retired.code]["active"])
        self.assertNotEqual(active.headers["ETag"], everything.headers["ETag"])

    def test_every_listed_code_is_accepted_on_write(self):
        """What the lookup lists is what the vocabulary resolver accepts."""
        with self._api() as api:
            body = api.get(f"/api/v2/Vocabulary/{GENDER}", headers=self._auth(self.client, self.secret)).json()
        for code in body["codes"]:
            self.assertTrue(self.env["g2p.vocabulary.code"]._resolve(GENDER, code["code"]))

    def test_id_types_listed(self):
        with self._api() as api:
            response = api.get("/api/v2/IdType", headers=self._auth(self.client, self.secret))
        self.assertEqual(response.status_code, 200, response.text)
        systems = {t["system"] for t in response.json()}
        self.assertIn("urn:g2p:id:national-id", systems)
        self.assertEqual(systems, set(self.env["g2p.id.type"].search([]).mapped("namespace_uri")))

    def test_not_modified_when_etag_matches_and_changed_after_an_edit(self):
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            first = api.get("/api/v2/IdType", headers=headers)
            again = api.get("/api/v2/IdType", headers=dict(headers, **{"If-None-Match": first.headers["ETag"]}))
            self.assertEqual(again.status_code, 304)
            self.assertEqual(again.content, b"")
            self.env.ref("g2p_partner_api.id_type_national_id").description = "Issued by the civil registry"
            changed = api.get("/api/v2/IdType", headers=dict(headers, **{"If-None-Match": first.headers["ETag"]}))
        self.assertEqual(changed.status_code, 200)
        self.assertNotEqual(changed.headers["ETag"], first.headers["ETag"])

    def test_unknown_vocabulary_and_missing_token_refused(self):
        with self._api() as api:
            unknown = api.get("/api/v2/Vocabulary/urn:g2p:vocab:nope", headers=self._auth(self.client, self.secret))
            anonymous = api.get("/api/v2/Vocabulary")
            malformed = api.get("/api/v2/Vocabulary/urn:g2p:vocab:a%20b", headers=self._auth(self.client, self.secret))
        self.assertEqual(malformed.status_code, 422, malformed.text)
        self.assertEqual(unknown.status_code, 404)
        self.assertEqual(unknown.json()["code"], "not_found")
        self.assertEqual(anonymous.status_code, 401)

    def test_a_code_or_id_type_the_rules_hide_is_unknown_to_the_resolver(self):
        """The resolver reads a worker's snapshot of reference data; where record rules restrict what the user
        reads, it finds what that user's search finds: a hidden code or ID type is refused as unknown."""
        viewer = self.env["res.users"].create(
            {
                "name": "Rule-bound viewer",
                "login": "rule-bound-viewer",
                "groups_id": [(6, 0, [self.env.ref("g2p_partner_api.group_registry_viewer").id])],
            }
        )
        Code = self.env["g2p.vocabulary.code"].with_user(viewer)
        IdType = self.env["g2p.id.type"].with_user(viewer)
        national = "urn:g2p:id:national-id"
        self.assertEqual(Code._resolve(GENDER, "female").code, "female")  # snapshot filled, no rule yet
        self.assertEqual(IdType._resolve(national).namespace_uri, national)
        for model, domain in (
            ("g2p.vocabulary.code", "[('code', '!=', 'female')]"),
            ("g2p.id.type", "[('namespace_uri', '!=', '%s')]" % national),
        ):
            self.env["ir.rule"].create(
                {"name": f"hide one ({model})", "model_id": self.env["ir.model"]._get_id(model), "domain_force": domain}
            )
        with self.assertRaisesRegex(ValidationError, "gender: unknown code 'female'"):
            Code._resolve(GENDER, "female", "gender")
        with self.assertRaisesRegex(ValidationError, "identifiers: unknown identifier system"):
            IdType._resolve(national, "identifiers")
        self.assertEqual(Code._resolve(GENDER, "male").code, "male")
        self.assertEqual(self.env["g2p.vocabulary.code"]._resolve(GENDER, "female").code, "female")  # superuser
