/** @odoo-module **/
import {registry} from "@web/core/registry";

// A newcomer on `make run`: the demo approver opens the demo partner's pending ADD and approves it.
// Elements are found by field and button names and by states, not by layout.
registry.category("web_tour.tours").add("g2p_demo_change_request_review", {
  steps: () => [
    {
      content: "The pending request is shown with the person it proposes",
      trigger: ".o_form_view .o_field_widget[name='state'] button[data-value='pending'][aria-checked='true']",
    },
    {
      content: "The proposal names Grace Banda",
      trigger: ".o_form_view:contains('Banda')",
    },
    {
      content: "Approve it",
      trigger: ".o_form_view button[name='action_approve']",
      run: "click",
    },
    {
      content: "The request is applied to the register",
      trigger: ".o_form_view .o_field_widget[name='state'] button[data-value='applied'][aria-checked='true']",
    },
  ],
});
