/** @odoo-module **/
import {registry} from "@web/core/registry";

// Opens a form's notebook page (tab) and waits for its code editor: a code widget given a mode the
// editor does not know crashes the whole form, so an admin could not edit the template at all.
function openTemplateTab(name, tab) {
  return [
    {
      content: `Open the ${tab} tab of ${name}`,
      trigger: `.o_notebook .nav-link:contains('${tab}')`,
      run: "click",
    },
    {
      content: `The ${tab} editor shows the template`,
      trigger: ".o_form_view .o_field_code .ace_editor .ace_content",
    },
  ];
}

registry.category("web_tour.tours").add("g2p_template_editor_ingest", {
  steps: () => [
    ...openTemplateTab("the data model", "Transformation"),
    ...openTemplateTab("the data model", "Response"),
  ],
});

registry.category("web_tour.tours").add("g2p_template_editor_dci_register", {
  steps: () => openTemplateTab("the register", "Outgoing template"),
});

registry.category("web_tour.tours").add("g2p_template_editor_dci_subscription", {
  steps: () => [
    {
      content: "The subscription's filter is shown in its editor",
      trigger: ".o_form_view .o_field_code .ace_editor .ace_content",
    },
  ],
});
