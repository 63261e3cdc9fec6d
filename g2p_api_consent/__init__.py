from . import models
from . import routers
from . import schemas
from . import services
