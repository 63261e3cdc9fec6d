from . import consent_recording
