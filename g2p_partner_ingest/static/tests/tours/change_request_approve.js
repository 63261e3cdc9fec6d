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
