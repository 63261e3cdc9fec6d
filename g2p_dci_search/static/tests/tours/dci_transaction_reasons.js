/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("g2p_dci_transaction_reasons", {
  steps: () => [
    {
      content: "A refused item is told in words, with what to do",
      trigger:
        ".o_g2p_dci_failure .o_g2p_error_report tr:contains('screen-page')" +
        ":contains('not one the registry serves'):contains('Ask the partner to correct the request')",
    },
    {
      content: "The items list says why in words too",
      trigger: "[name=item_ids] .o_data_row:contains('screen-page') td[name=reason]:contains('not one the registry serves')",
    },
    {
      content: "No spec code on the screen a person reads",
      trigger: ".o_form_sheet:not(:contains('rjct.'))",
    },
    {
      content: "The technical text is on its own page",
      trigger: ".o_notebook_headers a:contains('Technical details')",
      run: "click",
    },
    {
      content: "There are the spec's code and the registry's sentence",
      trigger:
        ".o_g2p_technical_error .o_data_row:contains('rjct.pagination.invalid'):contains('page_size must be 1 to 100')",
    },
  ],
});
