def post_init_hook(env):
    """Give the registry its first token-signing key, so tokens work right after install."""
    env["g2p.api.signing.key"]._ensure_active_key()
