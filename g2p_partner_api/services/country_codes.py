"""ISO 3166-1 country codes as partners send them: alpha-2, or alpha-3 mapped to alpha-2; nothing else.

``res.country.code`` holds two characters and a search on it cuts the value it is given ("Malawi"
would find Morocco, "MOZ" Macao): a code is checked in full here before any lookup.
"""

import re

import pycountry

ISO_CODE = re.compile(r"[A-Z]{2}|[A-Z]{3}")
EXPECTED = "an ISO 3166-1 alpha-2 or alpha-3 code in upper case, e.g. MW or MWI"


def find_country(env, code):
    """The res.country of ``code`` (alpha-2 or alpha-3, upper case), or an empty recordset when
    ``code`` is anything else."""
    Country = env["res.country"]
    if not isinstance(code, str) or not ISO_CODE.fullmatch(code):
        return Country
    if len(code) == 3:
        country = pycountry.countries.get(alpha_3=code)
        if not country:
            return Country
        code = country.alpha_2
    return Country.search([("code", "=", code)], limit=1)
