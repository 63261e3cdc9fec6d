"""The suite's one JSONPath helper (jsonpath-ng), with parsed expressions cached."""

from functools import lru_cache

from jsonpath_ng.exceptions import JsonPathParserError
from jsonpath_ng.ext import parse


class JsonPathInvalid(ValueError):
    pass


@lru_cache(maxsize=512)
def compile_path(path):
    try:
        return parse(path)
    except (JsonPathParserError, Exception) as exc:  # jsonpath-ng raises bare Exceptions for some syntax errors
        raise JsonPathInvalid(f"invalid JSONPath {path!r}: {exc}") from exc


def find_all(path, data):
    return [match.value for match in compile_path(path).find(data)]


_MISSING = object()


def find_first(path, data, default=None):
    matches = compile_path(path).find(data)
    return matches[0].value if matches else default


def exists(path, data):
    return find_first(path, data, _MISSING) is not _MISSING
