/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("g2p_change_request_approve", {
  steps: () => [
    {
      content: "The field-level diff shows the proposed family name",
      trigger: ".o_g2p_diff td:contains('Zzdifftest')",
    },
    {
      content: "Approve the change request",
      trigger: "button.o_g2p_approve",
      run: "click",
    },
    {
      content: "The request is applied",
      trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Applied')",
    },
  ],
});

registry.category("web_tour.tours").add("g2p_change_request_registers", {
  steps: () => [
    {
      content: "Approve the change request",
      trigger: "button.o_g2p_approve",
      run: "click",
    },
    {
      content: "Once applied, open the person it registered",
      trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Applied')",
    },
    {
      content: "Open the registrant",
      trigger: ".o_field_widget[name=registrant_id] a:contains('Tourist Zzprovenance')",
      run: "click",
    },
    {
      content: "The uuid under the name is labelled",
      trigger: ".o_g2p_registry_id:contains('Registry ID')",
    },
    {
      content: "The chatter says which change request registered the person, from which partner",
      trigger: ".o-mail-Message:contains('Registered by change request'):contains('from Tour partner')",
    },
    {
      content: "and no generic 'created' note by a robot",
      trigger: ".o-mail-Chatter:not(:contains('Contact created'))",
    },
    {
      content: "Open the Provenance tab",
      trigger: ".o_notebook .nav-link:contains('Provenance')",
      run: "click",
    },
    {
      content: "Provenance links the change request that registered the person",
      trigger: ".o_form_label:contains('Registered by change request')",
    },
    {
      content: "Follow the link",
      trigger: ".o_field_widget[name=created_by_request_id] a",
      run: "click",
    },
    {
      content: "The change request opens",
      trigger: ".o_form_view .o_field_widget[name=subject_name]:contains('Tourist Zzprovenance')",
    },
  ],
});

registry.category("web_tour.tours").add("g2p_change_request_reject", {
  steps: () => [
    {
      content: "A pending request shows the path it may take: Pending, then Applied",
      trigger: ".o_statusbar_status:contains('Pending'):contains('Applied'):not(:contains('Rejected'))",
    },
    {
      content: "Reject it",
      trigger: "button.o_g2p_reject",
      run: "click",
    },
    {
      content: "The dialog is titled for what it does",
      trigger: ".modal .modal-title:contains('Reject change request')",
    },
    {
      content: "Give the reason the partner will read",
      trigger: ".modal [name=reason] textarea",
      run: "edit Sent twice by the partner",
    },
    {
      content: "Confirm",
      trigger: ".modal-footer button.btn-danger:contains('Reject')",
      run: "click",
    },
    {
      content: "A rejected request shows Pending, then Rejected, and no Applied after it",
      trigger:
        "body:not(:has(.modal)) .o_statusbar_status:contains('Pending'):contains('Rejected'):not(:contains('Applied'))",
    },
  ],
});
