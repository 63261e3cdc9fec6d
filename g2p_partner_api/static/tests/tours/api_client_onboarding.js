/** @odoo-module **/
import {registry} from "@web/core/registry";
import {readShownOnceSecret} from "./shown_once_secret_steps";

/*
 * Onboarding takes two people: an API Manager creates the client and sees the first half of its activation secret,
 * another API Manager or an administrator sees the second half. The Python test reads both halves from the dialogs
 * and makes the partner's calls with them.
 */
registry.category("web_tour.tours").add("g2p_api_client_onboarding", {
  steps: () => [
    {
      content: "Create an API client",
      trigger: ".o_list_button_add",
      run: "click",
    },
    {
      content: "Name it",
      trigger: ".o_field_widget[name=name] input",
      run: "edit Onboarding tour partner",
    },
    {
      content: "A new client warns that it can call nothing yet",
      trigger: ".o_g2p_client_blocked:contains('cannot call anything'):contains('no scope'):contains('no secret')",
    },
    {
      content: "Give it a scope",
      trigger: ".o_field_widget[name=scope_ids] input",
      run: "edit individual:read",
    },
    {
      content: "Pick the scope",
      trigger: ".o-autocomplete--dropdown-item a:contains('individual:read')",
      run: "click",
    },
    {
      content: "Save the client",
      trigger: ".o_form_button_save",
      run: "click",
    },
    {
      content: "Generate its secret",
      trigger: ".o_form_saved button[name=action_generate_secret]:contains('Generate secret')",
      run: "click",
    },
    ...readShownOnceSecret("g2p-tour-client-secret-first"),
    {
      content: "Back on the form, the client waits for the second half, which another person generates",
      trigger: ".o_g2p_client_blocked:contains('another API Manager or an administrator')",
    },
  ],
});

registry.category("web_tour.tours").add("g2p_api_client_second_half", {
  steps: () => [
    {
      content: "Generate the second half of the activation secret",
      trigger: ".o_form_view button[name=action_generate_second_half]:contains('Generate second half')",
      run: "click",
    },
    ...readShownOnceSecret("g2p-tour-client-secret-second"),
    {
      content: "Back on the form, the client waits for the partner's first call",
      trigger: ".o_g2p_client_blocked:contains('two halves joined by a dot')",
    },
  ],
});

registry.category("web_tour.tours").add("g2p_api_client_onboarded", {
  steps: () => [
    {
      content: "The client has the partner's secret: an administrator may only rotate it",
      trigger: ".o_form_view button[name=action_generate_secret]:contains('Rotate secret')",
    },
    {
      content: "No warning any more",
      trigger: ".o_form_view:not(:has(.o_g2p_client_blocked))",
    },
    {
      content: "The form says what the client can do",
      trigger: ".o_g2p_client_capabilities:contains('individual:read (Read individuals)'):contains('no public key')",
    },
  ],
});
