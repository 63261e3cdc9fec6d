/** @odoo-module **/
import {registry} from "@web/core/registry";

// An admin whose language is French opens the change requests: the list, then a request's form.
registry.category("web_tour.tours").add("g2p_change_request_french", {
  steps: () => [
    {
      content: "The action is titled in French",
      trigger: ".o_breadcrumb .active:contains('Demandes de modification')",
    },
    {
      content: "The list's columns are labelled in French",
      trigger: ".o_list_view th[data-name='client_id']:contains('Client source')",
    },
    {
      content: "The default filter is named in French",
      trigger: ".o_searchview .o_facet_value:contains('En attente')",
    },
    {
      content: "The state badge is in French",
      trigger: ".o_data_row:contains('Partenaire FR') [name='state']:contains('En attente')",
    },
    {
      content: "Open the request",
      trigger: ".o_data_row:contains('Partenaire FR') td[name='name']",
      run: "click",
    },
    {
      content: "The form offers Approuver",
      trigger: ".o_form_view button[name='action_approve']:contains('Approuver')",
    },
    {
      content: "The form offers Rejeter",
      trigger: ".o_form_view button[name='action_open_reject_wizard']:contains('Rejeter')",
    },
    {
      content: "Field labels are in French",
      trigger: ".o_form_view .o_form_label:contains('Client source')",
    },
    {
      content: "The changes tab is in French",
      trigger: ".o_form_view .o_notebook .nav-link:contains('Modifications')",
    },
  ],
});
