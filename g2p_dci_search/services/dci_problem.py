"""Why the registry refuses a DCI envelope or one of its items, as the spec words it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DciProblem:
    """``code``: one of the spec's reason codes (``rjct.*``: the envelope or item is answered ``rjct``) or,
    for a message that cannot be trusted (sender, signature), one of its ``err.*`` error codes;
    ``message``: the human text alone."""

    code: str
    message: str

    @property
    def untrusted(self):
        """A problem of the sender or the signature: answered as an error, never as an ``rjct`` envelope."""
        return self.code.startswith("err.")
