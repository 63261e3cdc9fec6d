/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("g2p_change_request_duplicate", {
  steps: () => [
    {
      content: "Open the filters",
      trigger: ".o_searchview_dropdown_toggler",
      run: "click",
    },
    {
      content: "Filter: Possible duplicate",
      trigger: ".o_filter_menu .o_menu_item:contains('Possible duplicate')",
      run: "click",
    },
    {
      content: "Open the flagged request of the tour partner",
      trigger: ".o_data_row:contains('Tour duplicate partner') td[name='name']",
      run: "click",
    },
    {
      content: "The form warns that the person may already be registered",
      trigger: ".o_g2p_possible_duplicate",
    },
    {
      content: "The candidate is shown side by side with the proposal",
      trigger: ".o_g2p_duplicate_list .o_data_row:contains('Tendaí Moyo'):contains('Tendai Moyo')",
    },
    {
      content: "Merge into this registrant",
      trigger: ".o_g2p_duplicate_list button.o_g2p_merge",
      run: "click",
    },
    {
      content: "The request now updates the candidate and is no longer flagged",
      trigger:
        ".o_form_view:not(:has(.o_g2p_possible_duplicate:visible)) .o_field_widget[name='operation']:contains('UPDATE')",
    },
  ],
});
