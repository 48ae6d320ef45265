"""GET /open-data: everything Dauys publishes for anyone to download, recount or build on, on one page:
the exports, the body record, the budgets, the public log and how to check it, the API's document.

Each item names its address (an endpoint, so a moved route moves its link), its format, one line of
what it holds and its licence. The page reads nothing from the database: it is a catalogue, and
tests/verification/test_open_data_page.py holds it to the app's URL map (a new export that is not
listed here fails that test).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l

from verification.pages import bp

# One licence for all the data (no personal data is in any of it); the auditor's tool is code to read
# and run, the verify page a page of this site.
DATA_LICENCE = _l("Free to copy, share and reuse, also commercially, naming Dauys as the source (CC BY 4.0).")
TOOL_LICENCE = _l("Free to read, copy, run and change.")
PAGE_LICENCE = _l("A page of this site: nothing to download; its check runs in your browser.")
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class Link:
    """One download of an item: its format and where it is (an endpoint and its arguments)."""

    format: Any  # what a reader downloads: CSV, JSON, PEM, a web page
    endpoint: str
    arguments: tuple[tuple[str, str], ...] = ()

    def url(self) -> str:
        return url_for(self.endpoint, **dict(self.arguments))


@dataclass(frozen=True)
class Item:
    heading: Any
    description: Any
    links: tuple[Link, ...] = ()
    # an address to fill in (a receipt, two tree sizes): its endpoint and query, shown, not linked
    pattern: tuple[str, str] | None = None
    licence: Any = DATA_LICENCE

    def pattern_text(self) -> str | None:
        return url_for(self.pattern[0]) + self.pattern[1] if self.pattern else None


def _export(name: str) -> tuple[Link, Link]:
    return (
        Link("CSV", "petition_exports.export", (("name", name), ("fmt", "csv"))),
        Link("JSON", "petition_exports.export", (("name", name), ("fmt", "json"))),
    )


SECTIONS: tuple[tuple[Any, tuple[Item, ...]], ...] = (
    (
        _l("Petitions"),
        (
            Item(
                _l("Public petitions"),
                _l(
                    "Every published petition: its addressee, territory (code and name), state, threshold, "
                    "signature count, dates and the answer's decision."
                ),
                _export("petitions"),
            ),
            Item(
                _l("Signatures by region"),
                _l(
                    "For each petition, how many signed in each region (code and name); regions with few "
                    "signatures are merged into “other” so that no one can be singled out."
                ),
                _export("signatures-by-region"),
            ),
            Item(
                _l("Signatures by day"),
                _l(
                    "For each petition, how many signed on each day (Kazakhstan time); days with few "
                    "signatures are merged into “other”."
                ),
                _export("signatures-by-day"),
            ),
            Item(
                _l("Every body's record"),
                _l(
                    "For every body petitions were addressed to: received, answered on time, working days, "
                    "moderation, ratings, contested answers and reports, as on the statistics page."
                ),
                (Link("CSV", "petition_exports.bodies_csv"), Link("JSON", "petition_statistics_api.bodies")),
            ),
            Item(
                _l("The production calendar"),
                _l("The non-working days that deadlines and the body record are counted on."),
                (Link("JSON", "petition_statistics_api.calendar"),),
            ),
        ),
    ),
    (
        _l("Village budgets"),
        (
            Item(
                _l("Every village budget"),
                _l(
                    "Each budget's amount, dates, ballot and counting rule, and its projects; its results name the "
                    "funded projects and give the ballots as a pabulib file anyone can recount."
                ),
                (Link("JSON", "budget_api.list_cycles"),),
            ),
        ),
    ),
    (
        _l("Checking the counts"),
        (
            Item(
                _l("The public log's signed head"),
                _l(
                    "The size and root hash of the log of every signature, ballot, official act and rating, "
                    "signed by the log's certificate."
                ),
                (Link("JSON", "publiclog_api.log_head"),),
            ),
            Item(
                _l("The public log's entries"),
                _l("The entries from number S up to E (at most 1,000 at a time); none holds personal data."),
                pattern=("publiclog_api.log_entries", "?start=S&end=E"),
            ),
            Item(
                _l("A proof that a receipt is in the log"),
                _l("The inclusion proof of the entry a receipt names (RFC 9162)."),
                pattern=("publiclog_api.log_proof", "?receipt=sha256:…"),
            ),
            Item(
                _l("A proof that the log only grew"),
                _l("The consistency proof between two sizes of the log (RFC 9162)."),
                pattern=("publiclog_api.log_consistency", "?first=M&second=N"),
            ),
            Item(
                _l("Check a receipt"),
                _l(
                    "Paste the receipt you got when you signed or voted: your browser checks that it is in "
                    "the signed log."
                ),
                (Link(_l("Web page"), "verification.verify"),),
                licence=PAGE_LICENCE,
            ),
            Item(
                _l("The auditor's tool"),
                _l("A Python program that checks the whole log, its signed heads and every published count."),
                (Link("Python", "verification.auditor_tool"),),
                licence=TOOL_LICENCE,
            ),
            Item(
                _l("The certification authority"),
                _l(
                    "The certificates every signature and official act chains to, and the list of revoked certificates."
                ),
                (
                    Link(_l("Certificates, PEM"), "auth_api.ca_certificates"),
                    Link(_l("Revoked, PEM"), "auth_api.revocation_list"),
                ),
            ),
        ),
    ),
    (
        _l("The API"),
        (
            Item(
                _l("The API's document"),
                _l("Every address of the API, what it takes and what it answers, in OpenAPI 3."),
                (Link("JSON", "openapi.openapi_json"),),
            ),
            Item(
                _l("Territories"),
                _l("The KATO codes the data uses, with their names in Kazakh and Russian."),
                (Link("JSON", "auth_api.territories"),),
            ),
        ),
    ),
)


@bp.get("/open-data")
def open_data():
    return render_template("verification/open_data.html", sections=SECTIONS, licence_url=LICENCE_URL)
