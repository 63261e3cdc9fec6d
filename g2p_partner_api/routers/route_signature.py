"""What a route factory's function shows FastAPI: its parameters less the ones a route does not take."""

import functools
import inspect


def without_parameters(function, *names):
    """``function`` as a route that does not take the parameters ``names``: FastAPI reads (declares,
    validates, documents) the others as written, and ``function`` is called with ``None`` for each of ``names``."""

    @functools.wraps(function)
    def route(**values):
        return function(**values, **dict.fromkeys(names))

    signature = inspect.signature(function)
    route.__signature__ = signature.replace(
        parameters=[parameter for parameter in signature.parameters.values() if parameter.name not in names]
    )
    return route
