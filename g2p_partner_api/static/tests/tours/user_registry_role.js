/** @odoo-module **/
import {registry} from "@web/core/registry";

const SOCIAL_REGISTRY = ".o_inner_group:has(.o_horizontal_separator:contains('Social Registry'))";
const REGISTRY_ROLE = ".o_field_widget[name^='sel_groups_'] select:has(option:contains('Approver'))";

registry.category("web_tour.tours").add("g2p_user_registry_role", {
  steps: () => [
    {
      content: "Create a user",
      trigger: ".o_list_button_add, .o-kanban-button-new",
      run: "click",
    },
    {
      content: "Name the user",
      trigger: ".o_field_widget[name=name] input",
      run: "edit Tour Approver",
    },
    {
      content: "Give a login",
      trigger: ".o_field_widget[name=login] input",
      run: "edit tour.approver@example.com",
    },
    {
      content: "The Social Registry section offers the registry roles as one choice",
      trigger: `${SOCIAL_REGISTRY} ${REGISTRY_ROLE}`,
    },
    {
      content: "and the Partner API role as another",
      trigger: `${SOCIAL_REGISTRY} .o_field_widget[name^='sel_groups_'] select:has(option:contains('API Manager'))`,
    },
    {
      content: "Make the user an Approver",
      trigger: REGISTRY_ROLE,
      run: "selectByLabel Approver",
    },
    {
      content: "Save the user",
      trigger: ".o_form_button_save",
      run: "click",
    },
    {
      content: "The user is saved as an Approver",
      trigger: `.o_form_saved ${REGISTRY_ROLE}`,
      run() {
        const shown = this.anchor.options[this.anchor.selectedIndex].textContent.trim();
        if (shown !== "Approver") {
          throw new Error(`The registry role shows ${shown}`);
        }
      },
    },
  ],
});
