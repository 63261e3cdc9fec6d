from odoo import _, api, fields, models

# the scope that lets a client send data to /partner/ingest_data (checked in the ingest envelope)
INGEST_SCOPE = "ingest:write"


class G2PApiClient(models.Model):
    _inherit = "g2p.api.client"

    # the unsafe choice is the true value, so a row written without it (SQL, import) stays safe
    ingest_allow_unsigned = fields.Boolean(
        string="Accept unsigned ingest (unsafe)",
        tracking=True,
        help="Off by default: every ingest call of this client must carry a valid JWS bound to its message id and "
        "time. Only a system administrator may switch this on (a test partner, a trusted network).",
    )

    @api.model
    def _safe_settings(self):
        return dict(super()._safe_settings(), ingest_allow_unsigned=False)

    @api.model
    def _by_ingest_sender(self, sender):
        """The client an ingest payload names as its sender: by its OAuth client_id (one name per partner), else by
        its partner mnemonic (kept as an alias). A client_id wins over another client's mnemonic."""
        return self.search([("client_id", "=", sender)], limit=1) or self.search(
            [("partner_mnemonic", "=", sender)], limit=1
        )

    @api.model
    def _grant_ingest_scope_to_ingesting_clients(self):
        """Upgrade step: ingest once needed no scope (a partner mnemonic and a key were enough); every client
        with a partner mnemonic gets the ingest scope, so it keeps the ability it had."""
        scope = self.env.ref("g2p_partner_ingest.scope_ingest_write")
        clients = self.with_context(active_test=False).search([("partner_mnemonic", "!=", False)])
        clients.write({"scope_ids": [(4, scope.id)]})
        return clients

    @api.depends("client_id", "partner_mnemonic", "ingest_allow_unsigned")
    def _compute_capabilities(self):
        return super()._compute_capabilities()

    def _ingest_sender_names(self):
        return " or ".join(filter(None, [self.partner_mnemonic, self.client_id]))

    def _capability_lines(self):
        lines = super()._capability_lines()
        if INGEST_SCOPE not in self._scope_codes():
            ingest = _("not allowed: it lacks the scope %(scope)s", scope=INGEST_SCOPE)
        elif self.ingest_allow_unsigned:
            ingest = _(
                "may send data to /partner/ingest_data as %(mnemonic)s, unsigned calls accepted (unsafe); each item "
                "becomes a change request",
                mnemonic=self._ingest_sender_names(),
            )
        elif not self._has_signature_key():
            ingest = _(
                "may send data as %(mnemonic)s, but it has no public key: every signed ingest call is refused",
                mnemonic=self._ingest_sender_names(),
            )
        else:
            ingest = _(
                "may send data to /partner/ingest_data as %(mnemonic)s, signed with its public key; each item becomes "
                "a change request",
                mnemonic=self._ingest_sender_names(),
            )
        return lines + [(_("Ingest"), ingest)]
