/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("g2p_consent_names", {
  steps: () => [
    {
      content: "A consent's data categories read as what they are, not as API scope codes",
      trigger:
        ".o_data_row:contains('Moses Phiri') td[name='data_category_ids']:contains('Read individuals'):not(:contains('individual:read'))",
    },
    {
      content: "Read scopes are data categories; write scopes are listed apart, as the changes allowed",
      trigger:
        ".o_data_row:contains('Moses Phiri') td[name='data_category_ids']:not(:contains('Create and update individuals'))",
    },
    {
      content: "The changes the registrant allowed are under their own column",
      trigger: ".o_data_row:contains('Moses Phiri') td[name='write_scope_ids']:contains('Create and update individuals')",
    },
    {
      content: "A consent to any partner says so, not a blank recipient",
      trigger: ".o_data_row:contains('Moses Phiri') td[name='recipient_name']:contains('Any partner')",
    },
    {
      content: "Open that consent",
      trigger: ".o_data_row td[name='partner_id']:contains('Moses Phiri')",
      run: "click",
    },
    {
      content: "The breadcrumb names who consented and to whom, not a uuid",
      trigger: ".o_breadcrumb .o_last_breadcrumb_item:contains('Consent: Moses Phiri → any partner')",
    },
  ],
});

registry.category("web_tour.tours").add("g2p_consent_tab", {
  steps: () => [
    {
      content: "Open the registrant's Consents tab",
      trigger: ".o_notebook .nav-link:contains('Consents')",
      run: "click",
    },
    {
      content: "A consent to any partner names its recipient as such",
      trigger: "[name=consent_ids] .o_data_row td[name='recipient_name']:contains('Any partner')",
    },
    {
      content: "What partners may read is under its own heading",
      trigger: "[name=consent_ids] th:contains('Data categories')",
    },
    {
      content: "and what they may change under another",
      trigger: "[name=consent_ids] th:contains('Changes allowed')",
    },
    {
      content: "A write scope is not shown as a data category",
      trigger:
        "[name=consent_ids] .o_data_row td[name='data_category_ids']:contains('Read individuals'):not(:contains('Create and update'))",
    },
  ],
});
