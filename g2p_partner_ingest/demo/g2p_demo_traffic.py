from odoo import api, models

REJECT_REASON = "The birth date contradicts the civil registry record: the partner is asked to check it."


def _person(first, last, dob, sex, national_id, village):
    return {
        "person": {
            "first_name": first,
            "last_name": last,
            "dob": dob,
            "sex": sex,
            "national_id": national_id,
            "village": village,
        }
    }


class G2PDemoTraffic(models.AbstractModel):
    _inherit = "g2p.demo.traffic"

    @api.model
    def _demo_ingest_call(self, data_model, message_id, items):
        """One call of the demo partner as /partner/ingest_data stores it once its checks passed (run as
        the ingest app's user, like the route), then its pipeline run by the job runner. Returns the items."""
        client = self.env.ref("g2p_partner_api.demo_api_client")
        app_user = self.env.ref("g2p_partner_ingest.fastapi_endpoint_ingest").user_id
        rows = self.env["g2p.ingest.raw"].with_user(app_user).sudo()._receive(client, data_model, message_id, items)
        self._run_due_jobs(["g2p.ingest.raw"])
        return rows.with_env(self.env)

    @api.model
    def _demo_change_requests(self):
        """Change requests in every state a reviewer meets, from the demo partner's calls: pending (an ADD,
        an UPDATE of Fatima Okafor, a household with its members), one applied and one rejected by the demo
        approver (not the submitter: four eyes), and an item that failed transformation, with its error."""
        person = self.env.ref("g2p_partner_ingest.data_model_person_json")
        household = self.env.ref("g2p_partner_ingest.data_model_household_batch")
        approver = self.env.ref("g2p_partner_ingest.demo_user_approver")
        made = {
            "demo_change_request_add": self._demo_ingest_call(
                person, "DEMO-INGEST-0001", [_person("Grace", "Banda", "1992-05-17", "F", "100900011", "Dedza")]
            ),
            # demo_individual_04, Fatima Okafor of Kasungu: married, moved
            "demo_change_request_update": self._demo_ingest_call(
                person, "DEMO-INGEST-0002", [_person("Fatima", "Okafor-Mbewe", "1995-04-26", "F", "100031676", "Mzuzu")]
            ),
            "demo_change_request_household": self._demo_ingest_call(
                household,
                "DEMO-INGEST-0003",
                [
                    {
                        "household_id": "HH-2026101",
                        "name": "Chirwa household",
                        "village": "Salima",
                        "members": [
                            {
                                "first_name": "Tamanda",
                                "last_name": "Chirwa",
                                "dob": "1984-02-11",
                                "sex": "F",
                                "national_id": "100900028",
                                "relationship": "head",
                            },
                            {
                                "first_name": "Kondwani",
                                "last_name": "Chirwa",
                                "dob": "1981-07-30",
                                "sex": "M",
                                "national_id": "100900035",
                                "relationship": "spouse",
                            },
                            {
                                "first_name": "Thoko",
                                "last_name": "Chirwa",
                                "dob": "2016-09-04",
                                "sex": "F",
                                "relationship": "child",
                            },
                        ],
                    }
                ],
            ),
            "demo_change_request_applied": self._demo_ingest_call(
                person, "DEMO-INGEST-0004", [_person("Chikondi", "Phiri", "2001-12-03", "M", "100900042", "Zomba")]
            ),
            # demo_individual_05, John Nkosi, born 1999 in the register
            "demo_change_request_rejected": self._demo_ingest_call(
                person, "DEMO-INGEST-0005", [_person("John", "Nkosi", "1989-02-10", "M", "100039595", "Kasungu")]
            ),
        }
        # a date the partner wrote the wrong way round: the item fails transformation, retryable from the UI
        failed = self._demo_ingest_call(
            person, "DEMO-INGEST-0006", [_person("Esther", "Kalua", "17/05/1990", "F", "100900059", "Mangochi")]
        )
        made["demo_change_request_applied"].change_request_id.with_user(approver).action_approve()
        made["demo_change_request_rejected"].change_request_id.with_user(approver).action_reject(REJECT_REASON)
        self.env["ir.model.data"]._update_xmlids(
            [
                {"xml_id": f"g2p_partner_ingest.{name}", "record": rows.change_request_id, "noupdate": True}
                for name, rows in made.items()
            ]
            + [{"xml_id": "g2p_partner_ingest.demo_ingest_item_failed", "record": failed, "noupdate": True}]
        )
        return True

    @api.model
    def _demo_possible_duplicate(self):
        """Moses Phiri sent again, misspelt and with another national ID: the pipeline flags the change
        request as a possible duplicate of the registered Moses Phiri (#19)."""
        person = self.env.ref("g2p_partner_ingest.data_model_person_json")
        self._demo_ingest_call(
            person, "DEMO-INGEST-DUP-1", [_person("Moses", "Phiry", "2021-08-15", "M", "100099001", "Blantyre")]
        )
