from .models.g2p_api_signing_key import ACCESS_TOKEN, MESSAGE
from .services.replica_caches import patch_registry_cursor


def post_init_hook(env):
    """Give the registry its first signing keys (access tokens, messages), so tokens and signed
    messages work right after install."""
    for purpose in (ACCESS_TOKEN, MESSAGE):
        env["g2p.api.signing.key"]._ensure_active_key(purpose)


def post_load():
    """Every read-only cursor of this process, Odoo's own routes' included, waits for the read replica to have
    replayed a change its caches were cleared for (services/replica_caches.py)."""
    patch_registry_cursor()
