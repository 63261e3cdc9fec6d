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
      content: "The candidate is shown side by side with the proposal, the match said in words",
      trigger:
        ".o_g2p_duplicate_card:contains('Tendaí Moyo'):contains('Tendai Moyo') .o_g2p_match_summary:contains('Same birth date')",
    },
    {
      content: "Both birth dates in the user's format, identifiers by their label",
      trigger:
        ".o_g2p_duplicate_card .o_g2p_comparison tr:contains('Birth date'):contains('06/12/1991'):not(:contains('1991-06-12'))",
    },
    {
      content: "A second national ID is announced before merging",
      trigger:
        ".o_g2p_duplicate_card .o_g2p_merge_warning:contains('National ID 93200001'):contains('second National ID')",
    },
    {
      content: "Both decisions are visible without scrolling sideways",
      trigger: ".o_g2p_duplicate_card .o_g2p_not_duplicate",
      run() {
        for (const button of document.querySelectorAll(".o_g2p_duplicate_card .o_g2p_decision_buttons button")) {
          const box = button.getBoundingClientRect();
          if (box.width === 0 || box.right > window.innerWidth) {
            throw new Error(`"${button.innerText}" is not visible without scrolling sideways`);
          }
        }
      },
    },
    {
      content: "Merge into this registrant",
      trigger: ".o_g2p_duplicate_card button.o_g2p_merge",
      run: "click",
    },
    {
      content: "Confirm: the person will hold two national IDs",
      trigger: ".modal-footer button.btn-primary",
      run: "click",
    },
    {
      content: "The request now updates the candidate and is no longer flagged",
      trigger:
        ".o_form_view:not(:has(.o_g2p_possible_duplicate:visible)) .o_field_widget[name='operation']:contains('UPDATE')",
    },
  ],
});
