/** @odoo-module **/
import {registry} from "@web/core/registry";

// A label cut short or spilling out of its box is not read: every element the selector finds (and
// that is shown) holds its whole text, and so does each element inside it (a list header truncates
// its label in an inner span).
function assertFits(selector) {
  const cut = [...document.querySelectorAll(selector)]
    .flatMap((element) => [element, ...element.querySelectorAll("*")])
    .filter((element) => element.offsetParent && element.scrollWidth > element.clientWidth + 1);
  if (cut.length) {
    throw new Error(`French label does not fit: ${cut.map((element) => element.textContent.trim()).join(" | ")}`);
  }
}

function openMenu(sectionXmlid, sectionLabel, itemXmlid, itemLabel, title = itemLabel) {
  return [
    {
      content: `The menu ${sectionLabel} is named in French`,
      trigger: `.o_main_navbar .o_menu_sections [data-menu-xmlid='${sectionXmlid}']:contains('${sectionLabel}')`,
      run: "click",
    },
    {
      content: `and offers ${itemLabel}`,
      trigger: `.o-dropdown--menu [data-menu-xmlid='${itemXmlid}']:contains('${itemLabel}')`,
      run: "click",
    },
    {
      content: `${itemLabel} opens, titled in French`,
      trigger: `.o_breadcrumb .active:contains('${title}')`,
    },
  ];
}

// A user whose language is French goes through the main screens from the menus: a person's form, a
// change request, an API client's form and the deliveries; each says what it is in French.
registry.category("web_tour.tours").add("g2p_main_screens_french", {
  steps: () => [
    {
      content: "Open the apps menu",
      trigger: ".o_navbar_apps_menu button",
      run: "click",
    },
    {
      content: "The app is the Registre social",
      trigger: ".o_app[data-menu-xmlid='g2p_partner_api.menu_g2p_root']:contains('Registre social')",
      run: "click",
    },
    {
      content: "The navbar names the app in French",
      trigger: ".o_main_navbar .o_menu_brand:contains('Registre social')",
    },
    {
      content: "Every menu of the app fits in the navbar",
      trigger: ".o_main_navbar .o_menu_sections [data-menu-xmlid='g2p_partner_api.menu_g2p_configuration']",
      run() {
        assertFits(".o_main_navbar .o_menu_sections button, .o_main_navbar .o_menu_sections .o_nav_entry");
      },
    },
    // the person form
    ...openMenu("g2p_partner_api.menu_g2p_registry", "Registre", "g2p_partner_api.menu_individuals", "Individus"),
    {
      content: "The list's columns are in French",
      trigger: ".o_list_view th[data-name='birthdate']:contains('Date de naissance')",
    },
    {
      content: "Search the person",
      trigger: ".o_searchview_input",
      run: "edit Zzfrancais",
    },
    {
      content: "with the default field",
      trigger: ".o_searchview_input",
      run: "press Enter",
    },
    {
      content: "Open the person",
      trigger: ".o_list_table:has(.o_data_row:only-child) .o_data_row td[name='name']:contains('Amélie Zzfrancais')",
      run: "click",
    },
    {
      content: "The person's names are labelled in French",
      trigger: ".o_form_view .o_form_label:contains('Prénom')",
    },
    {
      content: "the family name too",
      trigger: ".o_form_view .o_form_label:contains('Nom de famille')",
    },
    {
      content: "and the birth date",
      trigger: ".o_form_view .o_form_label:contains('Date de naissance')",
    },
    {
      content: "and the gender",
      trigger: ".o_form_view .o_form_label:contains('Genre')",
    },
    {
      content: "The tabs are in French",
      trigger: ".o_form_view .o_notebook .nav-link:contains('Identifiants')",
    },
    {
      content: "The kind of ID is named in French",
      trigger: ".o_field_widget[name='reg_id_ids'] .o_data_row td[name='id_type_id']:contains('Identifiant national')",
    },
    {
      content: "The provenance tab is in French",
      trigger: ".o_form_view .o_notebook .nav-link:contains('Provenance')",
      run: "click",
    },
    {
      content: "and what it holds",
      trigger: ".o_form_view .o_notebook .tab-pane.active:contains('Dernière modification via une API')",
    },
    {
      content: "The tabs fit",
      trigger: ".o_form_view .o_notebook .nav-link:contains('Programmes')",
      run() {
        assertFits(".o_form_view .o_notebook .nav-link, .o_form_view .o_form_label");
      },
    },
    // a change request
    ...openMenu(
      "g2p_partner_ingest.menu_ingestion",
      "Ingestion",
      "g2p_partner_ingest.menu_change_requests",
      "Demandes de modification"
    ),
    {
      content: "The pending filter is named in French",
      trigger: ".o_searchview .o_facet_value:contains('En attente')",
    },
    {
      content: "Open the request from the French partner",
      trigger: ".o_data_row:contains('Partenaire FR') td[name='name']",
      run: "click",
    },
    {
      content: "The form offers Approuver",
      trigger: ".o_form_view button[name='action_approve']:contains('Approuver')",
    },
    {
      content: "and Rejeter",
      trigger: ".o_form_view button[name='action_open_reject_wizard']:contains('Rejeter')",
    },
    {
      content: "Its fields are labelled in French",
      trigger: ".o_form_view .o_form_label:contains('Client source')",
    },
    {
      content: "Its buttons fit",
      trigger: ".o_form_view .o_notebook .nav-link:contains('Modifications')",
      run() {
        assertFits(".o_form_view .o_statusbar_buttons button, .o_form_view .o_notebook .nav-link");
      },
    },
    // the API client form
    ...openMenu(
      "g2p_partner_api.menu_g2p_partner_api",
      "API partenaires",
      "g2p_partner_api.menu_api_clients",
      "Clients",
      "Clients API"
    ),
    {
      content: "The list says which clients cannot call",
      trigger: ".o_list_view th[data-name='blocked_reason']:contains('Ne peut pas appeler')",
    },
    {
      content: "Open the French partner's client",
      trigger: ".o_data_row td[name='name']:contains('Partenaire FR')",
      run: "click",
    },
    {
      content: "The form offers Générer un secret",
      trigger: ".o_form_view button[name='action_generate_secret']:contains('Générer un secret')",
    },
    {
      content: "It says in French why the client cannot call",
      trigger: ".o_g2p_client_blocked:contains('Ce client ne peut rien appeler'):contains(\"il n'a aucune portée\")",
    },
    {
      content: "and what it can do",
      trigger: ".o_g2p_client_capabilities h5:contains('Ce que ce client peut faire')",
    },
    {
      content: "line by line",
      trigger: ".o_g2p_client_capabilities li:contains(\"Jetons d'accès\"):contains('valides')",
    },
    {
      content: "Its groups are titled in French",
      trigger: ".o_form_view .o_horizontal_separator:contains('Accès')",
    },
    {
      content: "and its fields labelled in French",
      trigger: ".o_form_view .o_form_label:contains('Portées')",
    },
    {
      content: "The identity tab is in French",
      trigger: ".o_form_view .o_notebook .nav-link:contains('Identité et signatures')",
    },
    {
      content: "Its buttons and labels fit",
      trigger: ".o_form_view .o_form_label:contains('Limite d')",
      run() {
        assertFits(".o_form_view .o_statusbar_buttons button, .o_form_view .o_notebook .nav-link");
      },
    },
    // the deliveries
    ...openMenu("g2p_partner_api.menu_g2p_partner_api", "API partenaires", "g2p_partner_api.menu_deliveries", "Envois"),
    {
      content: "The list's columns are in French",
      trigger: ".o_list_view th[data-name='event_name']:contains(\"Événement\")",
    },
    {
      content: "and the subscription column",
      trigger: ".o_list_view th[data-name='subscription_id']:contains('Abonnement')",
    },
    {
      content: "A failed delivery says so in French",
      trigger: ".o_data_row td[name='state']:contains('En échec')",
    },
    {
      content: "Select it",
      trigger: ".o_data_row:has(td[name='state']:contains('En échec')) .o_list_record_selector input",
      run: "click",
    },
    {
      content: "The list offers to send it again, in French",
      trigger: "button[name='action_resend']:contains('Renvoyer')",
      run() {
        assertFits(
          "button[name='action_resend'], .o_list_view td[name='state'], " +
            ["subscription_id", "state", "attempt_count", "last_status_code", "last_error", "next_retry"]
              .map((name) => `.o_list_view thead th[data-name='${name}']`)
              .join(", ")
        );
      },
    },
  ],
});
