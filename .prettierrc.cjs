/** @type {import('prettier').Config} */
// prettier with @prettier/plugin-xml, OCA's settings (repository template, 18.0), run by `make lint`
// through scripts/lint-prettier.sh, which passes the plugin (it lives under .venv/, not next to this file).
// printWidth 120 instead of 88: the width the rest of the suite is written at.
const config = {
    bracketSpacing: false,
    printWidth: 120,
    proseWrap: "always",
    semi: true,
    trailingComma: "es5",
    xmlWhitespaceSensitivity: "preserve",
};

module.exports = config;
