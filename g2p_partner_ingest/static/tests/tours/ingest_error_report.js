/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("g2p_ingest_error_report", {
  steps: () => [
    {
      content: "The problem is told in words, by the field's label",
      trigger:
        ".o_g2p_ingest_failure .o_g2p_error_report tr:contains('Birth date'):contains('17/05/1990')" +
        ":contains('is not a date; the partner must send YYYY-MM-DD')",
    },
    {
      content: "With what to do",
      trigger: ".o_g2p_error_report:contains('Ask the partner to correct and resend the item.')",
    },
    {
      content: "No pydantic text on the screen a person reads",
      trigger: ".o_form_sheet:not(:contains('errors.pydantic.dev')):not(:contains('validation error for'))",
    },
    {
      content: "No Retry: the item cannot change",
      trigger: ".o_form_statusbar:not(:has(button[name='action_retry']))",
    },
    {
      content: "The raw text is kept on the Technical details page",
      trigger: ".o_notebook_headers a:contains('Technical details')",
      run: "click",
    },
    {
      content: "There it is",
      trigger: ".o_g2p_technical_error:contains('validation error for Canonical')",
    },
  ],
});
