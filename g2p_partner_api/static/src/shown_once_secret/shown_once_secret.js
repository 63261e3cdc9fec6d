/** @odoo-module **/
import {Component} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {CopyButton} from "@web/core/copy_button/copy_button";

/**
 * Dialog body of the action the server returns after generating a secret. The secret is
 * only in this action's params: nothing reads it back from the server, nothing saves it,
 * and closing the dialog forgets it.
 */
export class ShownOnceSecret extends Component {
  static template = "g2p_partner_api.ShownOnceSecret";
  static components = {CopyButton};
  static props = ["*"];

  setup() {
    this.params = this.props.action.params || {};
    this.successText = _t("Copied");
  }
}

registry.category("actions").add("g2p_partner_api.shown_once_secret", ShownOnceSecret);
