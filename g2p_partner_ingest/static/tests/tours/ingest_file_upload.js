/** @odoo-module **/
import {registry} from "@web/core/registry";

const CSV = [
  "first_name,last_name,dob,sex,national_id,village",
  "Chisomo,Banda,1991-04-05,F,82000001,Mzuzu",
  "Yohane,Phiri,05/04/1991,M,82000002,Mzuzu",
].join("\n");

registry.category("web_tour.tours").add("g2p_ingest_file_upload", {
  steps: () => [
    {
      content: "The partner",
      trigger: ".o_field_widget[name='client_id'] input",
      run: "edit Field team upload",
    },
    {
      trigger: ".o-autocomplete--dropdown-item a:contains('Field team upload')",
      run: "click",
    },
    {
      content: "Its data model",
      trigger: ".o_field_widget[name='data_model_id'] input",
      run: "edit PERSON_JSON",
    },
    {
      trigger: ".o-autocomplete--dropdown-item a:contains('PERSON_JSON')",
      run: "click",
    },
    {
      content: "The file, as a field team exported it",
      trigger: ".o_field_widget[name='file'] input[type='file']:not(:visible)",
      run() {
        const transfer = new DataTransfer();
        transfer.items.add(new File([CSV], "field-team.csv", {type: "text/csv"}));
        this.anchor.files = transfer.files;
        this.anchor.dispatchEvent(new Event("change", {bubbles: true}));
      },
    },
    {
      trigger: ".o_field_widget[name='file'] .o_clear_file_button",
    },
    {
      content: "Check it first",
      trigger: ".modal-footer button[name='action_check']",
      run: "click",
    },
    {
      content: "Row 2 would add a person; row 3's date is refused, by row and column",
      trigger: ".o_g2p_upload_check tr:contains('ADD'):not(:contains('TRANSFORMATION_FAILED'))",
    },
    {
      trigger: ".o_g2p_upload_check tr:contains('TRANSFORMATION_FAILED'):contains(\"row 3, column 'dob'\")",
    },
    {
      content: "Upload",
      trigger: ".modal-footer button[name='action_upload']",
      run: "click",
    },
    {
      content: "Each row of the file is an item of the partner, in the pipeline",
      trigger: ".o_list_view .o_data_row:nth-child(2) td[name='file_row']:contains('3')",
    },
    {
      trigger: ".o_list_view:not(:has(.o_data_row:nth-child(3)))",
    },
  ],
});
