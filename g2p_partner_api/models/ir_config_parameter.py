from odoo import _, api, models
from odoo.exceptions import ValidationError

from ..services import system_parameters as rules
from ..services.duplicate_finder import LOCALITY_PARAM, THRESHOLD_PARAM
from ..services.read_routing import MAX_REPLICA_LAG_PARAM
from ..services.registry_calendar import REGISTRY_TZ_PARAM
from ..services.request_limits import MAX_JSON_DEPTH_PARAM, OAUTH_MAX_BODY_BYTES_PARAM, REST_MAX_BODY_BYTES_PARAM
from ..services.subscription_service import MAX_PARAM as MAX_SUBSCRIPTIONS_PARAM
from ..services.url_guard import ALLOWED_HOSTS_PARAM
from .g2p_api_audit_log import FORWARD_URL_PARAM, RETENTION_DAYS_PARAM
from .g2p_api_rate_window import (
    AUTH_FAILURES_PER_CLIENT_SOURCE_PARAM,
    AUTH_FAILURES_PER_SOURCE_PARAM,
    DEFAULT_LIMIT_PARAM,
    MAX_LIMIT_PARAM,
)
from .g2p_api_recent_write import READ_YOUR_WRITES_PARAM
from .g2p_api_signing_key import GRACE_HOURS_PARAM


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.model
    def _g2p_parameter_rules(self):
        """{key: ``system_parameters.Rule``} of the parameters the suite reads; each addon adds its own."""
        return {
            REGISTRY_TZ_PARAM: rules.TIME_ZONE,
            MAX_REPLICA_LAG_PARAM: rules.whole(0),
            READ_YOUR_WRITES_PARAM: rules.whole(0),
            ALLOWED_HOSTS_PARAM: rules.HOSTS,
            MAX_JSON_DEPTH_PARAM: rules.whole(1),
            REST_MAX_BODY_BYTES_PARAM: rules.whole(1),
            OAUTH_MAX_BODY_BYTES_PARAM: rules.whole(1),
            THRESHOLD_PARAM: rules.decimal(0.05, 1),
            LOCALITY_PARAM: rules.SWITCH,
            MAX_SUBSCRIPTIONS_PARAM: rules.whole(0),
            FORWARD_URL_PARAM: rules.URL,
            RETENTION_DAYS_PARAM: rules.whole(1),
            GRACE_HOURS_PARAM: rules.decimal(0),
            DEFAULT_LIMIT_PARAM: rules.whole(0),
            MAX_LIMIT_PARAM: rules.whole(0),
            AUTH_FAILURES_PER_CLIENT_SOURCE_PARAM: rules.whole(0),
            AUTH_FAILURES_PER_SOURCE_PARAM: rules.whole(0),
            "g2p_partner_api.token_issuer": rules.TEXT,
            "g2p_partner_api.token_audience": rules.TEXT,
        }

    @api.model_create_multi
    def create(self, vals_list):
        self._check_g2p_values([(vals.get("key"), vals.get("value")) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        if "key" in vals or "value" in vals:
            self._check_g2p_values([(vals.get("key", param.key), vals.get("value", param.value)) for param in self])
        return super().write(vals)

    @api.model
    def _check_g2p_values(self, pairs):
        """Refuse a value of one of the suite's parameters that its reader could not use as set."""
        known = self._g2p_parameter_rules()
        for key, value in pairs:
            rule = known.get(key)
            if rule is None:
                continue
            value = value or ""
            wrong = rules.unreadable(rule, value)
            if wrong is not None:
                raise ValidationError(
                    _(
                        "%(key)s takes %(expected)s: %(wrong)r cannot be used. Nothing was changed.",
                        key=key,
                        expected=self._g2p_expected(rule),
                        wrong=wrong,
                    )
                )

    @api.model
    def _g2p_expected(self, rule):
        if rule.kind in ("whole", "decimal"):
            number = _("a whole number") if rule.kind == "whole" else _("a number")
            if rule.maximum is not None:
                return _(
                    "%(number)s from %(minimum)s to %(maximum)s",
                    number=number,
                    minimum=rule.minimum,
                    maximum=rule.maximum,
                )
            return _("%(number)s of at least %(minimum)s", number=number, minimum=rule.minimum)
        return {
            "switch": _("1 or 0 (true or false, yes or no)"),
            "time_zone": _("a time zone of the tz database, such as Africa/Blantyre"),
            "text": _("a text that is not empty and has no spaces around it"),
            "url": _("an http or https address, or nothing"),
            "hosts": _("host, host:port, address or network entries separated by commas or spaces"),
        }[rule.kind]
