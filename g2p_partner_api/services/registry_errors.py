"""What the registry refuses, said without HTTP: services raise these, and each app's error handler
answers them in its own protocol's status and shape (REST problem details: ``error_handlers``)."""


class RegistryError(Exception):
    """A registry rule refused what was asked: ``message`` in words, ``errors`` where (entries made by
    ``problem_details.body_error`` and its siblings), ``extra`` what the answer adds (candidates, dates)."""

    code = "invalid"

    def __init__(self, message, errors=(), code=None, **extra):
        super().__init__(message)
        self.message = message
        self.errors = list(errors)
        self.code = code or self.code
        self.extra = extra


class NotFound(RegistryError):
    """No such record, or none the caller may see: answered alike."""

    code = "not_found"


class Gone(RegistryError):
    """The record was archived (``extra["archived_at"]``)."""

    code = "gone"


class Conflict(RegistryError):
    """What was asked collides with what the registry holds (a duplicate, a limit, a state)."""

    code = "conflict"


class ScopeMissing(RegistryError):
    """What was asked needs a scope the caller's token does not carry (``scope``)."""

    code = "insufficient_scope"

    def __init__(self, message, scope):
        super().__init__(message)
        self.scope = scope


class Invalid(RegistryError):
    """What was sent cannot be taken as it is; ``errors`` name the fields."""

    code = "validation_error"
