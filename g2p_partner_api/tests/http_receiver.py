from ..demo.local_receiver import Receiver  # noqa: F401  (the tests' name for it)
