"""What each of the suite's system parameters holds, checked when an administrator sets it.

The parameters are read at every call (body limits, rate limits, the registry's time zone) or by the
jobs. A value its reader could not use either broke every call that read it or was replaced by a
default, or clamped, without a word; it is now refused when it is set (``ir.config_parameter``'s
create and write), naming the parameter and what it takes. Each addon lists its own parameters
(``ir.config_parameter._g2p_parameter_rules``).
"""

import re
from collections import namedtuple
from urllib.parse import urlparse

import pytz

from . import url_guard

# kind: "whole", "decimal", "switch", "time_zone", "text", "url", "hosts"
Rule = namedtuple("Rule", "kind minimum maximum")

SWITCH_ON = frozenset({"1", "true", "yes"})
SWITCH_OFF = frozenset({"0", "false", "no"})
_WHOLE = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def whole(minimum=0, maximum=None):
    return Rule("whole", minimum, maximum)


def decimal(minimum=0, maximum=None):
    return Rule("decimal", minimum, maximum)


SWITCH = Rule("switch", None, None)
TIME_ZONE = Rule("time_zone", None, None)
TEXT = Rule("text", None, None)
URL = Rule("url", None, None)
HOSTS = Rule("hosts", None, None)


def switch(value, default):
    """The on/off of a switch parameter's ``value`` (``SWITCH_ON``/``SWITCH_OFF``, any case); ``default``
    when it is not set."""
    if value in (None, False, ""):
        return default
    return str(value).lower() in SWITCH_ON


def _within(number, rule):
    return number >= rule.minimum and (rule.maximum is None or number <= rule.maximum)


def unreadable(rule, value):
    """Why ``value`` cannot be held by a parameter of ``rule``: None when it can, else the part that cannot
    be read (the value itself, or the one entry of a list that cannot)."""
    if rule.kind == "hosts":
        entries = [entry for entry in re.split(r"[\s,]+", value) if entry]
        return next((entry for entry in entries if url_guard.allowed_entry(entry) is None), None)
    if rule.kind == "url":
        if not value:
            return None
        parsed = urlparse(value)
        return None if parsed.scheme in ("http", "https") and parsed.hostname and value == value.strip() else value
    if value != value.strip() or not value:
        return value
    if rule.kind == "whole":
        return None if _WHOLE.fullmatch(value) and _within(int(value), rule) else value
    if rule.kind == "decimal":
        return None if _DECIMAL.fullmatch(value) and _within(float(value), rule) else value
    if rule.kind == "switch":
        return None if value.lower() in SWITCH_ON | SWITCH_OFF else value
    if rule.kind == "time_zone":
        return None if value in pytz.all_timezones_set else value
    return None  # text: anything not empty, without spaces around it
