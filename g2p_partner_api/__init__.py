from . import models
from . import services
from . import wizards
from .hooks import post_init_hook
