/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("g2p_registry_group_list", {
  steps: () => [
    {
      content: "A household row names its head",
      trigger: ".o_data_row:contains('Phiri household') td[name='group_head_id']:contains('Moses Phiri')",
    },
    {
      content: "and counts its current members",
      trigger: ".o_data_row:contains('Phiri household') td[name='member_count']:contains('4')",
    },
    {
      content: "and shows where it lives",
      trigger: ".o_data_row:contains('Phiri household') td[name='city']:contains('Blantyre')",
    },
  ],
});

registry.category("web_tour.tours").add("g2p_registry_find_by_id_number", {
  steps: () => [
    {
      content: "Type a national ID number in the search box",
      trigger: ".o_searchview_input",
      run: "edit 100007919",
    },
    {
      content: "Search with the default (first) field",
      trigger: ".o_searchview_input",
      run: "press Enter",
    },
    {
      content: "The person holding that number is the only row",
      trigger: ".o_list_table:has(.o_data_row:only-child) .o_data_row td[name='name']:contains('Moses Phiri')",
    },
    {
      content: "Their ID tag says which kind of ID it is",
      trigger: ".o_data_row td[name='reg_id_ids']:contains('National ID: 100007919')",
    },
  ],
});

registry.category("web_tour.tours").add("g2p_registry_membership_names", {
  steps: () => [
    {
      content: "Open a programme membership from the list",
      trigger: ".o_data_row td[name='partner_id']:contains('Peter Abubakar')",
      run: "click",
    },
    {
      content: "The breadcrumb names the member and the programme, not a uuid",
      trigger: ".o_breadcrumb .o_last_breadcrumb_item:contains('Peter Abubakar in Child Grant')",
    },
  ],
});
