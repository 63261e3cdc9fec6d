/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("g2p_change_request_decided_banner", {
  steps: () => [
    {
      content: "The rejected request is open",
      trigger: ".o_form_view .o_statusbar_status:contains('Rejected')",
    },
    {
      content: "No banner asks for a duplicate decision any more",
      trigger: ".o_form_view .o_form_sheet",
      run() {
        if (document.querySelector(".o_g2p_possible_duplicate")) {
          throw new Error("The possible-duplicate banner still asks for a decision on a rejected request");
        }
      },
    },
  ],
});
