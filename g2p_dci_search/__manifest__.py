{
    "name": "G2P DCI Search",
    "summary": "DCI (SPDCI Social Registry API) search over the registry: signed envelopes, expression and idtype-value queries",
    "version": "18.0.1.0.0",
    "license": "LGPL-3",
    "author": "g2p-partner-api",
    "website": "https://github.com/g2p-partner-api/g2p-partner-api",
    "category": "Social Protection",
    "depends": ["g2p_partner_api"],
    "data": [
        "security/ir.model.access.csv",
        "data/g2p_dci_register_data.xml",
        "data/fastapi_endpoint_data.xml",
        "views/g2p_dci_register_views.xml",
        "views/g2p_api_client_views.xml",
        "views/g2p_dci_transaction_views.xml",
    ],
    "installable": True,
}
