/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("g2p_registrant_data_shared", {
  steps: () => [
    {
      content: "Open the Data shared tab",
      trigger: ".o_notebook .nav-link:contains('Data shared')",
      run: "click",
    },
    {
      content: "The partner system that received the data, by name",
      trigger: "[name=disclosure_ids] tr.o_data_row td:contains('Tour payments agency')",
    },
    {
      content: "How it left, in words",
      trigger: "[name=disclosure_ids] tr.o_data_row td:contains('REST read')",
    },
    {
      content: "Under which consent",
      trigger: "[name=disclosure_ids] th:contains('Consent')",
    },
    {
      content: "The consent is named by the person and the recipient",
      trigger: "[name=disclosure_ids] tr.o_data_row td:contains('Consent: Toured Person')",
    },
  ],
});
