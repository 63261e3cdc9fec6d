import uuid
from datetime import UTC, datetime

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from odoo import api, models

DEMO_SECRET = "demo-secret-change-me"  # the demo client's well-known secret (g2p_partner_api's demo data)


class G2PDemoTraffic(models.AbstractModel):
    _inherit = "g2p.demo.traffic"

    @api.model
    def _demo_dci_envelope(self, key, sender_id, action, message, total_count):
        """A DCI envelope as a participant builds it: header, message, and its signature (ES256 JWS)."""
        header = {
            "version": "1.0.0",
            "message_id": str(uuid.uuid4()),
            "message_ts": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "action": action,
            "sender_id": sender_id,
            "receiver_id": "registry.g2p",
            "total_count": total_count,
            "is_msg_encrypted": False,
        }
        signature = jwt.encode({"header": header, "message": message}, key, algorithm="ES256")
        return {"signature": signature, "header": header, "message": message}

    @api.model
    def _demo_dci_transactions(self):
        """The demo partner's DCI calls through the mounted DCI app, signed and authenticated like any
        participant's: a synchronous search, an asynchronous one answered by the search job with an
        on-search callback, and a subscription to new registrations (on-subscribe callback)."""
        client = self.env.ref("g2p_partner_api.demo_api_client")
        # the demo partner's signing key pair: its public half registered, the private one used here only
        key = ec.generate_private_key(ec.SECP256R1())
        public_key = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        def item(reference, criteria_key, criteria):
            return {"reference_id": reference, "timestamp": now, criteria_key: criteria}

        with self._local_receiver() as receiver:
            client.write(
                {
                    "public_key": public_key,
                    "dci_callback_url": f"{receiver.url}/spmis/dci",
                    "dci_callback_allow_http": True,
                    "scope_ids": [(4, self.env.ref("g2p_dci_search.scope_dci_subscribe").id)],
                }
            )
            rest = self.env.ref("g2p_partner_api.fastapi_endpoint_rest")
            dci = self.env.ref("g2p_dci_search.fastapi_endpoint_dci")
            with self._app_client(rest) as http:
                token = self._demo_token(http, client.client_id, DEMO_SECRET, "dci:search dci:subscribe")
            calls = [
                (
                    "/dci/registry/sync/search",
                    "search",
                    "search_request",
                    [
                        item(
                            "demo-sync-1",
                            "search_criteria",
                            {
                                "reg_type": "Individual",
                                "query_type": "idtype-value",
                                "query": {"type": "UIN", "value": "100007919"},
                            },
                        ),
                        item(
                            "demo-sync-2",
                            "search_criteria",
                            {"reg_type": "Individual", "query_type": "expression", "query": {"family_name": "Phiri"}},
                        ),
                    ],
                ),
                (
                    "/dci/registry/search",
                    "search",
                    "search_request",
                    [
                        item(
                            "demo-async-1",
                            "search_criteria",
                            {"reg_type": "Individual", "query_type": "expression", "query": {"family_name": "Okafor"}},
                        )
                    ],
                ),
                (
                    "/dci/registry/subscribe",
                    "subscribe",
                    "subscribe_request",
                    [
                        item(
                            "demo-subscribe-1",
                            "subscribe_criteria",
                            {
                                "reg_type": "Individual",
                                "reg_event_type": "REGISTER",
                                "filter_type": "expression",
                                "filter": {"family_name": "Chirwa"},
                                "notify_record_type": "spdci:SRPerson",
                            },
                        )
                    ],
                ),
            ]
            with self._app_client(dci) as http:
                for number, (path, action, items_key, items) in enumerate(calls, start=1):
                    message = {"transaction_id": f"demo-dci-{number}", items_key: items}
                    envelope = self._demo_dci_envelope(key, client.dci_sender_id, action, message, len(items))
                    response = http.post(path, json=envelope, headers={"Authorization": f"Bearer {token}"})
                    response.raise_for_status()
            self._run_due_jobs(["g2p.dci.transaction", "g2p.api.delivery"])
        return True
