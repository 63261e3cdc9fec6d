"""Registering a person never tells a client whether someone it may not read is in the register (issue #25):
the body is validated before any lookup, and possible duplicates it may not read are not told."""

from odoo.tests import tagged

from .common import G2PApiCase

NID = "urn:g2p:id:national-id"
# what differs between two answers for reasons of the request alone (new record, time of the call)
REQUEST_SPECIFIC = ("uuid", "provenance")
REQUEST_SPECIFIC_HEADERS = ("etag", "x-correlation-id", "content-length", "ratelimit-remaining", "ratelimit-reset")


@tagged("post_install", "-at_install")
class TestRegistrationAnswersAlike(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # reads nobody: no consent and no legal basis
        cls.writer, cls.writer_secret = cls._create_client(
            "Registration tool", scopes=["individual:read", "individual:write"], legal_basis=None
        )
        national = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.hidden = cls.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Nomvula",
                "family_name": "Zzoracledlamini",
                "birthdate": "1985-07-14",
                "reg_id_ids": [(0, 0, {"id_type_id": national.id, "value": "66600001"})],
            }
        )
        cls.other_hidden = cls.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Sipho",
                "family_name": "Zzoraclemoyo",
                "reg_id_ids": [(0, 0, {"id_type_id": national.id, "value": "66600002"})],
            }
        )

    def _post(self, body, **params):
        with self._api() as api:
            return api.post(
                "/api/v2/Individual",
                json=body,
                params=params,
                headers=self._auth(self.writer, self.writer_secret),
            )

    def _registrants(self):
        return self.env["res.partner"].with_context(active_test=False).search_count([("is_registrant", "=", True)])

    @staticmethod
    def _seen(response, *values):
        """What a client sees, without what is specific to the request (new uuid, time) or to what it sent."""
        body = response.json()
        if "error" not in body:
            body = {k: v for k, v in body.items() if k not in REQUEST_SPECIFIC}
        text = response.text
        for value in values:
            text = text.replace(value, "…")
        headers = sorted(h for h in response.headers.keys() if h not in REQUEST_SPECIFIC_HEADERS)
        return response.status_code, body if not values else text, headers

    def test_invalid_body_is_422_whether_or_not_the_identifier_is_registered(self):
        invalid = (
            {"gender": {"system": "urn:g2p:vocab:gender", "code": "martian"}},
            {"address": {"country": "XX"}},
            {"identifiers_extra": [{"system": "urn:g2p:id:no-such-type", "value": "1"}]},
        )
        count = self._registrants()
        for extra in invalid:
            answers = []
            for nid in ("66600001", "66699999"):  # registered (unreadable) / unknown
                identifiers = [{"system": NID, "value": nid}] + extra.get("identifiers_extra", [])
                body = dict({"given_name": "Probe"}, **{k: v for k, v in extra.items() if k != "identifiers_extra"})
                response = self._post(dict(body, identifiers=identifiers))
                self.assertEqual(response.status_code, 422, response.text)
                answers.append(self._seen(response, nid))
            self.assertEqual(answers[0], answers[1], extra)
        self.assertEqual(self._registrants(), count, "nothing registered")

    def test_similar_unreadable_person_answers_as_nobody(self):
        body = {"given_name": "Nomvula", "family_name": "Zzoracledlamini", "birthdate": "1985-07-14"}
        similar = self._post(body, check_duplicates="true")
        self.assertEqual(similar.status_code, 201, similar.text)
        self.assertNotIn(self.hidden.uuid, similar.text)
        # the same registration when nobody similar is registered
        (self.hidden | self.env["res.partner"].search([("uuid", "=", similar.json()["uuid"])])).unlink()
        nobody = self._post(body, check_duplicates="true")
        self.assertEqual(nobody.status_code, 201, nobody.text)
        self.assertEqual(self._seen(similar), self._seen(nobody))

    def test_possible_duplicate_409_only_names_readable_candidates(self):
        reader, secret = self._create_client("Reader", scopes=["individual:read", "individual:write"])
        body = {"given_name": "Nomvula", "family_name": "Zzoracledlamini", "birthdate": "1985-07-14"}
        count = self._registrants()
        with self._api() as api:
            asked = api.post(
                "/api/v2/Individual", json=body, params={"check_duplicates": "true"}, headers=self._auth(reader, secret)
            )
        self.assertEqual(asked.status_code, 409, asked.text)
        self.assertEqual(asked.json()["candidates"], [self.hidden.uuid])
        self.assertEqual(self._registrants(), count)

    def test_identifier_clash_never_names_the_holder(self):
        count = self._registrants()
        answers = []
        for holder, nid in ((self.hidden, "66600001"), (self.other_hidden, "66600002")):
            response = self._post({"given_name": "Copy", "identifiers": [{"system": NID, "value": nid}]})
            self.assertEqual(response.status_code, 409, response.text)
            self.assertEqual(response.json()["candidates"], [])
            for disclosed in (holder.uuid, holder.given_name, holder.family_name):
                self.assertNotIn(disclosed, response.text)
            answers.append(self._seen(response, nid))
        self.assertEqual(answers[0], answers[1], "the answer does not depend on who holds the identifier")
        self.assertEqual(self._registrants(), count, "a clashing identifier is never registered twice")

    def test_group_invalid_body_is_422_whether_or_not_the_identifier_is_registered(self):
        household_id = self.env.ref("g2p_partner_api.id_type_household_id")
        self.env["res.partner"].create(
            {
                "is_registrant": True,
                "is_group": True,
                "name": "Zzoracle household",
                "reg_id_ids": [(0, 0, {"id_type_id": household_id.id, "value": "HH-666001"})],
            }
        )
        writer, secret = self._create_client("Group tool", scopes=["group:read", "group:write"], legal_basis=None)
        count = self._registrants()
        answers = []
        for value in ("HH-666001", "HH-666999"):  # registered (unreadable) / unknown
            with self._api() as api:
                response = api.post(
                    "/api/v2/Group",
                    json={
                        "name": "Probe household",
                        "identifiers": [{"system": household_id.namespace_uri, "value": value}],
                        "address": {"country": "XX"},
                    },
                    headers=self._auth(writer, secret),
                )
            self.assertEqual(response.status_code, 422, response.text)
            answers.append(self._seen(response, value))
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(self._registrants(), count)
