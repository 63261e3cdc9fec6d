"""JSON as staff read it in forms: indented, keys in the order they were sent, non-ASCII kept."""

import json


def pretty_json(text):
    """``text`` indented when it is JSON; anything else (an excerpt cut mid-way, plain text) as it is."""
    if not text:
        return text or False
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return text
    return json.dumps(value, indent=2, ensure_ascii=False)
