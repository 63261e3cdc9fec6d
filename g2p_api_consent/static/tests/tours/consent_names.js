/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("g2p_consent_names", {
  steps: () => [
    {
      content: "A consent's data categories read as what they are, not as API scope codes",
      trigger:
        ".o_data_row:contains('Moses Phiri') td[name='scope_ids']:contains('Read individuals'):not(:contains('individual:read'))",
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
