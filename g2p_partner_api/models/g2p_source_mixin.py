from dataclasses import dataclass

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..services.caller_defaults import with_caller_defaults

PROVENANCE_FIELDS = frozenset(
    {
        "source_client_id",
        "source_system",
        "source_date",
        "last_source_client_id",
        "last_source_system",
        "last_source_date",
    }
)


@dataclass(frozen=True)
class Provenance:
    """Who writes through an API. Only server code can put one in a context: JSON-RPC contexts
    carry JSON values, never instances of this class, so a user cannot claim to be a partner."""

    client_id: int
    source_system: str | None = None


class G2PSourceMixin(models.AbstractModel):
    """Provenance: which API client and source system created and last changed a record.

    The API layer puts a ``Provenance`` under ``g2p_provenance`` in the context (see
    ``dependencies.api_env``); every create/write made in that context stamps the record,
    whatever the code path. The provenance fields themselves are never taken from users.
    """

    _name = "g2p.source.mixin"
    _description = "Provenance of records written through the APIs"

    source_client_id = fields.Many2one(
        "g2p.api.client", string="Created by API client", readonly=True, copy=False, index="btree_not_null"
    )
    source_system = fields.Char(string="Created from source system", readonly=True, copy=False)
    source_date = fields.Datetime(string="Created through API on", readonly=True, copy=False)
    last_source_client_id = fields.Many2one(
        "g2p.api.client", string="Last changed by API client", readonly=True, copy=False
    )
    last_source_system = fields.Char(string="Last source system", readonly=True, copy=False)
    last_source_date = fields.Datetime(string="Last changed through API on", readonly=True, copy=False)

    def _provenance_vals(self, creating):
        provenance = self.env.context.get("g2p_provenance")
        if not isinstance(provenance, Provenance):
            return {}
        now = fields.Datetime.now()
        vals = {
            "last_source_client_id": provenance.client_id,
            "last_source_system": provenance.source_system,
            "last_source_date": now,
        }
        if creating:
            vals.update(
                source_client_id=provenance.client_id,
                source_system=provenance.source_system,
                source_date=now,
            )
        return vals

    def _check_provenance_not_given(self, vals_list):
        given = set().union(*[PROVENANCE_FIELDS.intersection(vals) for vals in vals_list])
        if given and not self.env.su:
            raise AccessError(_("Provenance is recorded by the registry only: %s", ", ".join(sorted(given))))

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = with_caller_defaults(self, vals_list)
        self._check_provenance_not_given(vals_list)
        extra = self._provenance_vals(creating=True)
        if extra:
            vals_list = [dict(vals, **extra) for vals in vals_list]
        return super().create(vals_list)

    def write(self, vals):
        self._check_provenance_not_given([vals])
        extra = self._provenance_vals(creating=False)
        if extra and not set(vals) <= set(extra):
            vals = dict(vals, **extra)
        return super().write(vals)
