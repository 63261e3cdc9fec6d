/** @odoo-module **/
import {registry} from "@web/core/registry";
import {readShownOnceSecret} from "./shown_once_secret_steps";

registry.category("web_tour.tours").add("g2p_subscription_signing_secret", {
  steps: () => [
    {
      content: "The subscription has no signing secret yet",
      trigger: ".alert-warning:contains('No signing secret yet')",
    },
    {
      content: "Generate the signing secret",
      trigger: "button[name=action_generate_hmac_secret]",
      run: "click",
    },
    ...readShownOnceSecret("g2p-tour-signing-secret"),
    {
      content: "Back on the form, the subscription has a signing secret",
      trigger: ".o_field_widget[name=has_hmac_secret] input:checked",
    },
  ],
});
