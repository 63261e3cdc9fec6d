/** @odoo-module **/
import {registry} from "@web/core/registry";
import {readShownOnceSecret} from "./shown_once_secret_steps";

async function expectOk(response, what) {
  if (response.status !== 200) {
    throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
  }
  return response.json();
}

function oauthPost(path, fields) {
  return fetch(path, {
    method: "POST",
    headers: {"Content-Type": "application/x-www-form-urlencoded"},
    body: new URLSearchParams(fields),
  });
}

/**
 * As the partner would: the secret read from the dialog gets no token (registry staff saw it), so the partner's first
 * call replaces it; the secret that call answers gets a token, which reads the registry.
 */
async function callTheApiWith(secret) {
  const clientId = document.querySelector(".modal .o_g2p_secret_reference").innerText.trim();
  const credentials = {grant_type: "client_credentials", client_id: clientId};
  const shown = await oauthPost("/api/v2/oauth/token", {...credentials, client_secret: secret});
  const refusal = await shown.json();
  if (shown.status !== 400 || refusal.error !== "unauthorized_client") {
    throw new Error(`The secret shown to staff got ${shown.status}: ${JSON.stringify(refusal)}`);
  }
  const replaced = await expectOk(
    await oauthPost("/api/v2/oauth/client_secret", {client_id: clientId, client_secret: secret}),
    "The client secret route"
  );
  const token = await expectOk(
    await oauthPost("/api/v2/oauth/token", {...credentials, client_secret: replaced.client_secret}),
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
      content: "Back on the form, the client has the partner's secret and can call the API",
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
