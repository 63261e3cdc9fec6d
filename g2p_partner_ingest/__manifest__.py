{
    "name": "G2P Partner Ingest",
    "summary": (
        "POST /partner/ingest_data: signed partner payloads, stored raw, queue_job pipeline to change "
        "requests staff approve"
    ),
    "version": "18.0.1.4.0",
    "license": "LGPL-3",
    "author": "g2p-partner-api",
    "maintainers": ["g2p-partner-api"],
    "category": "Social Protection",
    "depends": ["g2p_partner_api", "queue_job", "mail"],
    "external_dependencies": {
        "python": [
            "fastapi",
            "starlette",
            "pydantic",
            "MarkupSafe",
            "regex",
            "jsonschema",
            "openpyxl",
            "python-multipart",
        ]
    },
    "data": [
        "security/ir.model.access.csv",
        "security/g2p_security.xml",
        "data/g2p_api_scope_data.xml",
        "data/ir_sequence_data.xml",
        "data/queue_job_data.xml",
        "data/g2p_ingest_data_model_data.xml",
        "data/fastapi_endpoint_data.xml",
        "wizards/g2p_change_request_reject_wizard_views.xml",
        "wizards/g2p_change_request_edit_wizard_views.xml",
        "views/g2p_ingest_menus.xml",
        "views/g2p_ingest_data_model_views.xml",
        "views/g2p_ingest_raw_views.xml",
        "wizards/g2p_ingest_file_upload_wizard_views.xml",
        "views/g2p_change_request_views.xml",
        "views/g2p_change_request_duplicate_views.xml",
        "views/g2p_api_client_views.xml",
        "views/res_partner_views.xml",
    ],
    "demo": ["demo/g2p_ingest_demo.xml", "demo/g2p_duplicate_demo.xml"],
    "assets": {
        "web.assets_backend": ["g2p_partner_ingest/static/src/scss/*.scss"],
        "web.assets_tests": ["g2p_partner_ingest/static/tests/tours/*.js"],
    },
    "application": True,
    "installable": True,
}
