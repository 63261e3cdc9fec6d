/** @odoo-module **/

/**
 * Steps shared by the tours of buttons that show a secret once: read the secret as the
 * dialog shows it to a person, hand it to the Python test through a console line
 * (`<marker> <secret>`), and close the dialog.
 */
export function readShownOnceSecret(marker, {check} = {}) {
  return [
    {
      content: "The dialog says the secret is shown only once",
      trigger: ".modal .o_g2p_shown_once_secret .alert:contains('never be shown again')",
    },
    {
      content: "The secret can be copied",
      trigger: ".modal .o_g2p_shown_once_secret .o_btn_char_copy",
    },
    {
      content: "Read the secret shown in the dialog",
      trigger: ".modal .o_g2p_shown_once_secret .o_g2p_secret_value",
      async run() {
        const secret = this.anchor.innerText.trim();
        if (!secret) {
          throw new Error("The dialog shows an empty secret");
        }
        if (check) {
          await check(secret);
        }
        console.log(`${marker} ${secret}`);
      },
    },
    {
      content: "Close the dialog",
      trigger: ".modal .modal-footer button.o-default-button",
      run: "click",
    },
  ];
}
