/** @odoo-module **/
import {registry} from "@web/core/registry";

// What the reviewer must read before approving, as the screen shows it: the Python test sends the
// item with these values.
const EXPECTED = ["Field registration agency", "individual:read", "PAPER-FORM-4242"];

function isShown(element) {
  const box = element.getBoundingClientRect();
  const style = window.getComputedStyle(element);
  return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.opacity !== "0";
}

registry.category("web_tour.tours").add("g2p_registering_agent_consent_review", {
  steps: () => [
    {
      content: "The change request names the person the agent registered",
      trigger: ".o_g2p_diff td:contains('Zzagentconsent')",
    },
    {
      content: "The consent the agent sent reads on screen: recipient, scopes and evidence reference",
      trigger: ".o_form_view .alert-info[role=status]:contains('Consent sent with this proposal')",
      run() {
        if (!isShown(this.anchor)) {
          throw new Error("The consent notice is in the page but not shown");
        }
        // innerText is the text as rendered: what CSS hides is not in it
        const text = this.anchor.innerText;
        const missing = EXPECTED.filter((part) => !text.includes(part));
        if (missing.length) {
          throw new Error(`The reviewer cannot read ${missing.join(", ")} in: ${text}`);
        }
      },
    },
    {
      content: "Having read it, approve",
      trigger: "button.o_g2p_approve",
      run: "click",
    },
    {
      content: "The request is applied",
      trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Applied')",
    },
  ],
});
