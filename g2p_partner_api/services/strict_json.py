"""JSON as the registry reads it: each member of an object named once.

``json.loads`` keeps the last of a repeated name (``{"given_name": "Anna", "given_name": "Bob"}`` reads
Bob), so a body, a signed payload or a rendered template could mean one thing to whoever wrote it and
another to the registry. ``loads`` refuses it instead, naming where the name repeats. The check rides
on the one parse: each object is built by ``dict`` (in C) and only its size compared with its members';
the path is looked for (a second parse) only once a repeat was seen.
"""

import json


class RepeatedMember(ValueError):
    """An object of the JSON text names one member twice. ``path``: the keys and list indexes from the
    top of the document to the repeated member, its name last."""

    def __init__(self, path):
        self.path = tuple(path)
        super().__init__(f"the member {self.where} is named more than once in its object")

    @property
    def name(self):
        return self.path[-1]

    @property
    def where(self):
        """The path as the suite's messages name fields: ``members[0].given_name``."""
        return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in self.path).lstrip(".")


class _Repeat(Exception):
    """An object repeated a member (where is found by a second parse, ``_repeated_path``)."""


def _unique_members(pairs):
    built = dict(pairs)
    if len(built) != len(pairs):
        raise _Repeat
    return built


# one decoder for every call, as json.loads keeps its own: building one (and its scanner) at each call
# cost as much as the check on a record of a DCI answer
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_members)


def loads(text):
    """``json.loads(text)`` (str or UTF-8/16/32 bytes), but a repeated member anywhere raises ``RepeatedMember``."""
    if isinstance(text, bytes | bytearray):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    elif text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    try:
        return _DECODER.decode(text)
    except _Repeat:
        raise RepeatedMember(_repeated_path(text)) from None


class _Repeated(dict):
    """An object that repeated ``name`` (what the parse built of it, last value kept)."""

    name = None


def _repeated_path(text):
    """The path of the first repeated member of ``text``: the first object (in document order, outermost
    first) that repeated one, its name appended. An object lost to a repeat is a value of one that
    repeated, so one is always found."""

    def build_object(pairs):
        built = dict(pairs)
        if len(built) == len(pairs):
            return built
        repeated = _Repeated(built)
        repeated.name = _first_repeat(pairs)
        return repeated

    pending = [((), json.loads(text, object_pairs_hook=build_object))]
    while pending:
        path, node = pending.pop()
        if isinstance(node, _Repeated):
            return (*path, node.name)
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        # reversed onto the stack: popped in document order
        pending.extend(reversed([((*path, key), child) for key, child in children]))
    raise AssertionError("a repeated member was seen but not found")


def _first_repeat(pairs):
    seen = set()
    for name, _value in pairs:
        if name in seen:
            return name
        seen.add(name)
    return None
