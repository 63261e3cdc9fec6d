/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("g2p_registrant_form_reads", {
  steps: () => [
    {
      content: "The uuid under the name says what it is",
      trigger: ".o_form_view .o_g2p_registry_id:contains('Registry ID'):contains('00000000-0000-4000-8000-000000000001')",
    },
    {
      content: "The birth date is called as everywhere else",
      trigger: ".o_form_view .o_form_label:contains('Birth date')",
    },
    {
      content: "The identifiers list holds the one identifier and no blank rows",
      trigger: "[name=reg_id_ids] .o_list_table tbody:has(tr.o_data_row:only-child)",
    },
    {
      content: "Open the household tab",
      trigger: ".o_notebook .nav-link:contains('Groups')",
      run: "click",
    },
    {
      content: "A person's place in the household is their household role",
      trigger: "[name=group_membership_ids] th:contains('Household roles')",
    },
    {
      content: "Programmes are called programmes",
      trigger: ".o_notebook .nav-link:contains('Programmes')",
      run: "click",
    },
    {
      content: "Its column is the programme",
      trigger: "[name=program_membership_ids] th:contains('Programme')",
    },
  ],
});

registry.category("web_tour.tours").add("g2p_registry_menu_words", {
  steps: () => [
    {
      content: "Open the Registry menu",
      trigger: ".o_main_navbar button:contains('Registry'), .o_main_navbar a:contains('Registry')",
      run: "click",
    },
    {
      content: "Programmes, as the screens call them",
      trigger: ".dropdown-menu .dropdown-item:contains('Programmes')",
    },
  ],
});
