"""Petition rules that need no database: addressees, thresholds, the published lists."""

from __future__ import annotations

import math
from typing import Any

from flask_babel import lazy_gettext as _l

from petitions.lifecycle import PETITION

GOVERNMENT = "government"
ADDRESSEES = ("government", "region_akimat", "region_maslikhat", "city_akimat", "city_maslikhat")
CENTRAL = {"government"}
# Which territory level a local addressee serves.
ADDRESSEE_LEVEL = {
    "region_akimat": "region",
    "region_maslikhat": "region",
    "city_akimat": "city",
    "city_maslikhat": "city",
}
# The levels a local petition can be addressed to, regions first (regional and city akimats and maslikhats).
ADDRESSABLE_LEVELS = tuple(dict.fromkeys(ADDRESSEE_LEVEL.values()))
ADDRESSEE_NAMES = {
    "government": _l("Government of the Republic of Kazakhstan"),
    "region_akimat": _l("Regional akimat"),
    "region_maslikhat": _l("Regional maslikhat"),
    "city_akimat": _l("City akimat"),
    "city_maslikhat": _l("City maslikhat"),
}
LANGUAGES = ("kk", "ru")
STATES = PETITION.states
SIGNABLE_STATES = PETITION.sources("sign")
DECISIONS = ("supported", "partly_supported", "not_supported")

# The published list of topics a petition may not raise (Rules of 6 Dec 2023 No. 490-НҚ).
FORBIDDEN_TOPICS: dict[str, Any] = {
    "constitutional_order": _l("Changing the constitutional order, unity or integrity of the Republic"),
    "borders": _l("State borders and territorial integrity"),
    "territorial_division": _l("The administrative-territorial division"),
    "state_language": _l("The state language policy"),
    "elections": _l("Elections and referendums"),
    "justice": _l("Courts, prosecution and investigation of particular cases"),
    "special_services": _l("Special services, defence and state security"),
    "state_secrets": _l("State secrets"),
    "president_parliament": _l("The President, Parliament and their powers"),
    "discrimination": _l("Calls for discrimination, violence or hatred"),
}
# Moderators reject with one of these codes and a comment.
REJECTION_REASONS: dict[str, Any] = {
    **{f"forbidden_topic.{code}": text for code, text in FORBIDDEN_TOPICS.items()},
    "not_in_competence": _l("The matter is outside the addressee's competence"),
    "no_proposal": _l("The text has no clear proposal or arguments"),
    "duplicate": _l("A petition on the same matter is already collecting signatures"),
    "offensive": _l("The text is offensive or contains personal data of others"),
    "wrong_addressee": _l("The petition is addressed to the wrong body"),
}


def threshold(addressee: str, region_population: int | None, config: dict) -> int:
    """Signatures the addressee needs: fixed for the Government and cities, a share of a region."""
    if addressee == "government":
        return config["PETITION_THRESHOLD_GOVERNMENT"]
    if addressee == "city_akimat":
        return config["PETITION_THRESHOLD_CITY_AKIMAT"]
    if addressee == "city_maslikhat":
        return config["PETITION_THRESHOLD_CITY_MASLIKHAT"]
    if region_population is None or region_population <= 0:
        raise ValueError("a regional threshold needs the region's population")
    percent = config[
        "PETITION_THRESHOLD_REGION_AKIMAT_PERCENT"
        if addressee == "region_akimat"
        else "PETITION_THRESHOLD_REGION_MASLIKHAT_PERCENT"
    ]
    # Rounded up: "1 % of the population" is never satisfied by less than 1 %.
    return math.ceil(region_population * percent / 100)


def review_working_days(addressee: str, config: dict) -> int:
    if addressee in CENTRAL:
        return config["PETITION_REVIEW_WORKING_DAYS_CENTRAL"]
    return config["PETITION_REVIEW_WORKING_DAYS_LOCAL"]
