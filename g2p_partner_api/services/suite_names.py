"""Which addons and models are the suite's own: told by their names, the one mark every field definition, model
and ``ir.model.fields`` row carries, where the registry's checks meet code they do not import (any model's form,
any field's default). The suite's addons are named ``g2p_*`` and its models ``g2p.*``.

An addon of another author named so (OpenG2P's own ``g2p_*`` addons, for one) counts as the suite's, and so do
its ``g2p.*`` models: intended, as those hold the register's data too, and each use of these answers guards
more (a right checked, a default kept for administrators, a record named to its readers only), never less.
"""

SUITE_MODULE_PREFIX = "g2p_"
SUITE_MODEL_PREFIX = "g2p."


def is_suite_module(module_name):
    """Whether the addon of this technical name (``g2p_partner_api``) is one of the suite's. A model created in
    Settings (``x_*``) belongs to no addon: its module is False."""
    return bool(module_name) and module_name.startswith(SUITE_MODULE_PREFIX)


def is_suite_model(model_name):
    """Whether the model of this name (``g2p.consent``) is one of the suite's."""
    return model_name.startswith(SUITE_MODEL_PREFIX)
