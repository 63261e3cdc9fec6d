from . import registration_consent
