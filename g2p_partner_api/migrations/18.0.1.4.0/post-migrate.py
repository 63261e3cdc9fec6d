def migrate(cr, version):
    """Clients that hold a credential before this version count as having had one since their last secret (or their
    creation): giving them a key, or switching them to private key JWT, is a system administrator's act. Their
    secrets are not marked as shown to staff (``secret_shown_to_staff`` stays empty): they keep getting tokens."""
    cr.execute(
        """
        UPDATE g2p_api_client SET first_credential_on = COALESCE(secret_rotated_on, create_date)
         WHERE first_credential_on IS NULL
           AND (secret_hash IS NOT NULL OR public_key IS NOT NULL OR jwks_uri IS NOT NULL
                OR secret_rotated_on IS NOT NULL)
        """
    )
