from .models.g2p_api_signing_key import ACCESS_TOKEN, MESSAGE


def post_init_hook(env):
    """Give the registry its first signing keys (access tokens, messages), so tokens and signed
    messages work right after install."""
    for purpose in (ACCESS_TOKEN, MESSAGE):
        env["g2p.api.signing.key"]._ensure_active_key(purpose)
