{
    "name": "G2P API Consent",
    "summary": "Registrants' consent records, checked on every read of personal data by partner systems",
    "version": "18.0.1.0.0",
    "license": "LGPL-3",
    "author": "g2p-partner-api",
    "maintainers": ["g2p-partner-api"],
    "category": "Social Protection",
    "depends": ["g2p_partner_api"],
    "external_dependencies": {"python": ["fastapi", "pydantic", "extendable-pydantic"]},
    "data": [
        "security/ir.model.access.csv",
        "data/g2p_consent_data.xml",
        "views/g2p_consent_views.xml",
        "views/res_partner_views.xml",
        "views/g2p_api_client_views.xml",
    ],
    "demo": ["demo/g2p_consent_demo.xml", "demo/g2p_consent_states_demo.xml", "demo/g2p_outbound_demo.xml"],
    "assets": {"web.assets_tests": ["g2p_api_consent/static/tests/tours/*.js"]},
    # consent is never off by accident: installing the API installs it
    "auto_install": ["g2p_partner_api"],
    "application": True,
    "installable": True,
}
