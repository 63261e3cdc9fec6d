from . import models
from . import services
from . import demo
from .hooks import post_init_hook, post_load
