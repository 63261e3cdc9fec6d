def migrate(cr, version):
    """Keys made before signing keys had a purpose signed access tokens (and messages): they stay
    access-token keys. The first message signed after the upgrade generates the message key."""
    cr.execute("ALTER TABLE g2p_api_signing_key ADD COLUMN IF NOT EXISTS purpose varchar")
    cr.execute("UPDATE g2p_api_signing_key SET purpose = 'access_token' WHERE purpose IS NULL")
