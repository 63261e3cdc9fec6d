/** @odoo-module **/
import {registry} from "@web/core/registry";

const CHANGED_MEMBER =
  ".o_g2p_review_section[data-status='changed']:has(.o_g2p_review_title:contains('Musa Otieno-Banda'))";

registry.category("web_tour.tours").add("g2p_change_request_review", {
  steps: () => [
    {
      content: "The breadcrumb names the household, not only the reference",
      trigger: ".o_breadcrumb .active:contains('Otieno household')",
    },
    {
      content: "No canonical keys or namespace URIs in the diff",
      trigger: ".o_g2p_review:not(:contains('urn:')):not(:contains('identifiers[')):not(:contains('given_name'))",
    },
    {
      content: "The household's own fields come first",
      trigger: ".o_g2p_review > .o_g2p_review_section:first-child .o_g2p_review_title:contains('Household')",
    },
    {
      content: "Then the members, changed one first: the head, with his role",
      trigger:
        ".o_g2p_review > .o_g2p_review_section:nth-child(2)[data-status='changed'] " +
        ".o_g2p_review_title:contains('Musa Otieno-Banda'):contains('Head')",
    },
    {
      content: "His changed rows come first, by their label",
      trigger: `${CHANGED_MEMBER} > table tbody tr:first-child.o_g2p_changed th:contains('Family name')`,
    },
    {
      content: "An identifier reads as its type and number",
      trigger: `${CHANGED_MEMBER} > table td:contains('Passport: MW1234567')`,
    },
    {
      content: "A member added by the proposal",
      trigger:
        ".o_g2p_review_section[data-status='added'] .o_g2p_review_title:contains('Neo Otieno'):contains('Child')",
    },
    {
      content: "A member the proposal leaves out: the membership ends",
      trigger: ".o_g2p_review_section[data-status='ended']:contains('John Otieno') td:contains('Ended')",
    },
    {
      content: "A member the proposal does not change",
      trigger: ".o_g2p_review_section[data-status='unchanged'] .o_g2p_review_title:contains('Ruth Otieno')",
    },
    {
      content: "Unchanged rows are folded away",
      trigger: `${CHANGED_MEMBER} details.o_g2p_unchanged:not([open]) summary:contains('unchanged')`,
      run: "click",
    },
    {
      content: "Unfolded, they read in words: the gender by its name, the birth date by its label",
      trigger: `${CHANGED_MEMBER} details.o_g2p_unchanged[open] tr:has(th:contains('Gender')) td:contains('Male')`,
    },
    {
      content: "and the birth date by its label",
      trigger: `${CHANGED_MEMBER} details.o_g2p_unchanged[open] th:contains('Birth date')`,
    },
    {
      content: "Back to the list of change requests",
      trigger: ".o_breadcrumb .breadcrumb-item a:contains('Change requests')",
      run: "click",
    },
    {
      content: "An ADD shows the name it proposes",
      trigger: ".o_data_row:contains('Xsstest') td[name='subject_name']",
      run: "click",
    },
    {
      content: "Markup in a proposed name reads as text",
      trigger: ".o_g2p_review:has(td:contains('Xsstest')) td:contains('<script>window.g2pXss')",
      run() {
        if (window.g2pXss || document.querySelector(".o_g2p_review script, .o_g2p_review img")) {
          throw new Error("markup from a proposal reached the page");
        }
      },
    },
    {
      content: "Back to the list",
      trigger: ".o_breadcrumb .breadcrumb-item a:contains('Change requests')",
      run: "click",
    },
    {
      content: "Select the ADD",
      trigger: ".o_data_row:contains('Xsstest') .o_list_record_selector input",
      run: "click",
    },
    {
      content: "Approve the selection",
      trigger: ".o_control_panel button.o_g2p_bulk_approve",
      run: "click",
    },
    {
      content: "A bulk approval asks first: cancel",
      trigger: ".modal:contains('Approve the selected change requests') .modal-footer button:contains('Cancel')",
      run: "click",
    },
    {
      content: "Approve the selection again",
      trigger: "body:not(:has(.modal)) .o_control_panel button.o_g2p_bulk_approve",
      run: "click",
    },
    {
      content: "and confirm",
      trigger: ".modal:contains('Approve the selected change requests') .modal-footer button.btn-primary",
      run: "click",
    },
    {
      content: "The approved ADD leaves the pending list",
      trigger: ".o_list_view:not(:has(.o_data_row:contains('Xsstest'))) .o_data_row:contains('Otieno household')",
    },
  ],
});

registry.category("web_tour.tours").add("g2p_change_request_submitter", {
  steps: () => [
    {
      content: "The submitter is told who must review",
      trigger: ".o_g2p_review_banner:contains('Submitted by Tour Submitter: another approver must review it.')",
    },
    {
      content: "and is offered neither Approve nor Reject",
      trigger: ".o_form_view:not(:has(button.o_g2p_approve)):not(:has(button.o_g2p_reject)) .o_g2p_review",
    },
  ],
});
