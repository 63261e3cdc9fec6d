/** @odoo-module **/
import {registry} from "@web/core/registry";
import {readShownOnceSecret} from "./shown_once_secret_steps";

async function expectOk(response, what) {
  if (response.status !== 200) {
    throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
  }
  return response.json();
}

/** As the partner would: a token with the secret read from the dialog, then a registry read. */
async function callTheApiWith(secret) {
  const clientId = document.querySelector(".modal .o_g2p_secret_reference").innerText.trim();
  const token = await expectOk(
    await fetch("/api/v2/oauth/token", {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: new URLSearchParams({grant_type: "client_credentials", client_id: clientId, client_secret: secret}),
    }),
    "The token endpoint"
  );
  await expectOk(
    await fetch("/api/v2/Individual", {headers: {Authorization: `Bearer ${token.access_token}`}}),
    "GET /api/v2/Individual"
  );
}

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
    ...readShownOnceSecret("g2p-tour-client-secret", {check: callTheApiWith}),
    {
      content: "Back on the form, the client has a secret and can call the API",
      trigger: "button[name=action_generate_secret]:contains('Rotate secret')",
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
