{
    "name": "G2P suite: cross-module scenarios",
    "summary": "Tests only: partner journeys across ingest, approval, consent, REST, DCI and outbound events",
    "version": "18.0.1.0.0",
    "license": "LGPL-3",
    "author": "g2p-partner-api",
    "maintainers": ["g2p-partner-api"],
    "category": "Hidden/Tests",
    "depends": ["g2p_partner_api", "g2p_api_consent", "g2p_partner_ingest", "g2p_dci_search"],
    "external_dependencies": {
        "python": ["hypothesis", "schemathesis", "pyjwt", "cryptography", "fastapi", "requests", "websocket-client"]
    },
    "data": [],
    "assets": {"web.assets_tests": ["g2p_suite_tests/static/tests/tours/*.js"]},
    "installable": True,
}
