from urllib.parse import urlparse

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from odoo.addons.g2p_partner_api.services import url_guard


class G2PApiClient(models.Model):
    _inherit = "g2p.api.client"

    dci_verify_signature = fields.Boolean(
        string="Verify DCI envelope signatures",
        default=True,
        tracking=True,
        help="Switch off only for a test partner or a system on a trusted network: unsigned envelopes are then "
        "accepted.",
    )
    dci_callback_url = fields.Char(
        string="DCI callback URL",
        tracking=True,
        help="Base URL of the participant's DCI endpoints (e.g. https://spmis.example.org/dci). Callbacks go to "
        "header.sender_uri when it lies under it, else to this URL + the spec's path (/registry/on-search, "
        "/registry/notify, ...). Without it the client cannot use the asynchronous DCI calls. Once set, only a "
        "system administrator may replace or remove it. Loopback, "
        "link-local and private addresses are refused unless allow-listed (host:port) by a system "
        "administrator (system parameter g2p_partner_api.outbound_allowed_hosts).",
    )
    dci_callback_allow_http = fields.Boolean(
        string="Allow plain HTTP callbacks", tracking=True, help="Unsafe: only for a test partner or a trusted network."
    )
    dci_callback_subscription_id = fields.Many2one(
        "g2p.api.subscription",
        string="DCI callback channel",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The outbound channel that delivers this client's DCI callbacks and notifications (attempts, retries).",
    )
    dci_subscription_ids = fields.One2many("g2p.dci.subscription", "client_id", string="DCI subscriptions")

    @api.model
    def _safe_settings(self):
        return dict(super()._safe_settings(), dci_verify_signature=True, dci_callback_allow_http=False)

    def _check_administrators_own(self, vals):
        self._check_callback_url_kept(vals)
        return super()._check_administrators_own(vals)

    def _check_callback_url_kept(self, vals):
        """Refuse, to all but a system administrator, to replace or remove a client's DCI callback URL once set:
        the answers to its asynchronous searches and its notifications go there, so an API Manager who could
        point it at a server of its own would receive them. Setting the first one is onboarding (API Managers);
        removing it is refused too, or two writes would replace it."""
        if "dci_callback_url" not in vals or self._is_system_administrator():
            return
        self.check_access("write")
        for client in self.sudo():
            if client.dci_callback_url and (vals["dci_callback_url"] or False) != client.dci_callback_url:
                raise AccessError(
                    _(
                        "Only a system administrator may replace or remove the DCI callback URL of %(name)s: the "
                        "answers and notifications it is sent go there. Ask one, with the URL the partner gave you.",
                        name=client.name,
                    )
                )

    @api.constrains("dci_callback_url", "dci_callback_allow_http")
    def _check_dci_callback_url(self):
        for rec in self.filtered("dci_callback_url"):
            url = urlparse(rec.dci_callback_url)
            if url.scheme not in ("https", "http") or not url.netloc or url.username or url.fragment:
                raise ValidationError(_("%s is not an http(s) URL.", rec.dci_callback_url))
            if url.scheme == "http" and not rec.dci_callback_allow_http:
                raise ValidationError(_("The DCI callback URL must use https (or tick 'Allow plain HTTP callbacks')."))
            url_guard.validate(rec.env, rec.dci_callback_url)

    def _dci_callback_channel(self):
        """The outbound subscription DCI callbacks of this client are delivered through."""
        self.ensure_one()
        client = self.sudo()
        vals = {
            "target_url": client.dci_callback_url,
            "allow_insecure": client.dci_callback_allow_http,
            "client_id": client.id,
        }
        channel = client.dci_callback_subscription_id
        if not channel:
            channel = (
                self.env["g2p.api.subscription"]
                .sudo()
                .create(
                    dict(
                        vals,
                        name=_("DCI callbacks: %s", client.name),
                        signing="none",
                        event_type_ids=[(6, 0, self.env.ref("g2p_dci_search.event_type_dci_callback").ids)],
                    )
                )
            )
            client.dci_callback_subscription_id = channel
        elif vals["target_url"] and (channel.target_url, channel.allow_insecure) != (
            vals["target_url"],
            vals["allow_insecure"],
        ):
            # a URL removed after a request was acknowledged: its answer still goes where it was promised
            channel.write(vals)
        return channel

    @api.depends("dci_verify_signature")
    def _compute_capabilities(self):
        return super()._compute_capabilities()

    def _capability_lines(self):
        lines = super()._capability_lines()
        if not self.dci_verify_signature:
            dci = _("envelopes are accepted unsigned (unsafe outside a test or trusted network)")
        elif self._has_signature_key():
            dci = _("envelopes must be signed with its public key")
        else:
            dci = _("envelopes must be signed, but it has no public key: every DCI call is refused")
        return lines + [(_("DCI signatures"), dci)]
