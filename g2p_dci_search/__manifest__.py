{
    "name": "G2P DCI Search",
    "summary": (
        "SPDCI Social Registry API over the registry: signed sync and async search, subscriptions, notify, txn status"
    ),
    "version": "18.0.1.3.0",
    "license": "LGPL-3",
    "author": "g2p-partner-api",
    "maintainers": ["g2p-partner-api"],
    "category": "Social Protection",
    "depends": ["g2p_partner_api", "queue_job"],
    "external_dependencies": {
        "python": [
            "fastapi",
            "starlette",
            "pydantic",
            "pydantic-core",
            "cryptography",
            "pyjwt",
            "jsonschema",
            "fastjsonschema",
            "referencing",
            "PyYAML",
            "pycountry",
            "lxml",
        ]
    },
    "data": [
        "security/ir.model.access.csv",
        "security/g2p_security.xml",
        "data/g2p_dci_register_data.xml",
        "data/fastapi_endpoint_data.xml",
        "data/dci_async_data.xml",
        "views/g2p_dci_register_views.xml",
        "views/g2p_api_client_views.xml",
        "views/g2p_dci_transaction_views.xml",
        "views/g2p_dci_subscription_views.xml",
    ],
    "demo": ["demo/g2p_dci_demo.xml"],
    "assets": {"web.assets_tests": ["g2p_dci_search/static/tests/tours/*.js"]},
    "application": True,
    "installable": True,
}
