/** @odoo-module **/
import {ListRenderer} from "@web/views/list/list_renderer";
import {patch} from "@web/core/utils/patch";

// Odoo pads a short list with empty rows up to four; in the registry's lists (identifiers, household members,
// consents, items) those blank rows read as records nobody filled in, so a list shows only what it holds.
patch(ListRenderer.prototype, {
  get getEmptyRowIds() {
    if ((this.props.list.resModel || "").startsWith("g2p.")) {
      return [];
    }
    return super.getEmptyRowIds;
  },
});
