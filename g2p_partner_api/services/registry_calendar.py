"""The registry's one calendar.

Every registry date (a consent's given and expiry dates, a membership's start and end, a birth date) is
compared with, or defaulted to, today in the registry's time zone, whoever asks: staff work in their own
time zone and the API's technical users in UTC, and a day that depended on the caller made a consent
recorded by staff late in the evening not in force for partners, and an expiry honoured an hour late.
"""

import logging
from datetime import datetime

import pytz

_logger = logging.getLogger(__name__)

REGISTRY_TZ_PARAM = "g2p_partner_api.registry_tz"


def registry_tz(env):
    """The registry's time zone: the system parameter ``g2p_partner_api.registry_tz``, else UTC. Read from the
    parameters' cache, so asking for today costs no statement (a DCI page, an ingestion chunk ask for it). A
    parameter that names no time zone is not guessed at: it is logged and UTC is used."""
    configured = env["ir.config_parameter"].sudo().get_param(REGISTRY_TZ_PARAM)
    if configured and configured not in pytz.all_timezones_set:
        _logger.warning("%s=%r is not a time zone: UTC is used", REGISTRY_TZ_PARAM, configured)
        configured = None
    return pytz.timezone(configured or "UTC")


def registry_today(env):
    """Today's date in the registry's time zone."""
    return datetime.now(pytz.utc).astimezone(registry_tz(env)).date()


def registry_date(env, utc_datetime):
    """The registry's date of a stored datetime (``create_date``, ``write_date``: naive, in UTC), the day it was
    in the registry's time zone; its ``.date()`` is the UTC day, a day off from ``registry_today`` part of each
    day."""
    return pytz.utc.localize(utc_datetime).astimezone(registry_tz(env)).date()
