/** @odoo-module **/
import {registry} from "@web/core/registry";

// The lists a registry team works in all day: every column heading is read whole, not cut to "Attemp…".
registry.category("web_tour.tours").add("g2p_list_headers_fit", {
  steps: () => [
    {
      content: "The list shows its rows",
      trigger: ".o_list_view .o_list_table tbody .o_data_row",
      run() {
        const cut = [...document.querySelectorAll(".o_list_view .o_list_table thead th")]
          .flatMap((heading) => [heading, ...heading.querySelectorAll("*")])
          .filter((element) => element.offsetParent && element.scrollWidth > element.clientWidth + 1)
          .map((element) => element.textContent.trim())
          .filter(Boolean);
        if (cut.length) {
          throw new Error(`Column headings cut: ${[...new Set(cut)].join(" | ")}`);
        }
      },
    },
  ],
});
