"""A failure's problems as the table a person reads on every error screen of the suite.

Each screen (failed ingest items, change requests that failed to apply, DCI transactions) turns its stored
failure into problems, dicts of words; this service lays them out the same way everywhere. The technical
text each screen keeps stays on its own folded *Technical details* page.
"""

from markupsafe import Markup

# a column shown as code: the value a partner sent, as it sent it
CODE_COLUMNS = frozenset({"value"})


def problem(message, action, **columns):
    """One problem: what is wrong and what to do, with the screen's other columns (field, value, item...)."""
    return dict(columns, message=message, action=action)


def problems_html(columns, problems):
    """``problems`` as an HTML table whose ``columns`` are (key, heading) pairs; empty when there is none.
    Every value is escaped."""
    if not problems:
        return Markup("")
    head = Markup("").join(Markup("<th>{}</th>").format(heading) for _key, heading in columns)
    rows = Markup("").join(
        Markup("<tr>{}</tr>").format(
            Markup("").join(
                Markup("<td><code>{}</code></td>" if key in CODE_COLUMNS else "<td>{}</td>").format(
                    found.get(key) or ""
                )
                for key, _heading in columns
            )
        )
        for found in problems
    )
    return Markup(
        "<table class='table table-sm o_g2p_error_report'><thead><tr>{}</tr></thead><tbody>{}</tbody></table>"
    ).format(head, rows)
