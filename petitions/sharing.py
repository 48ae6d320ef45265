"""Sharing a petition (USERS.md: people hear of things where they already are): the receipt page a
signer reads after signing, what happens next in plain words; the share links and the copy-link box
(templates/petitions/_share.html); the card a messenger shows for the petition's link (Open Graph and
Twitter, templates/petitions/_meta.html); a printable A4 poster with a QR code of the petition's
address, and the short link it prints.

Its pages hang on the citizens' petition pages (petitions/pages.py:bp). Every address handed out to
be shared is absolute, on DAUYS_BASE_URL, as the e-mails' are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import segno
from flask import current_app, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from extensions import db
from i18n import date_phrase, format_number, format_percent
from kernel import visible_text
from kernel.errors import DomainError
from kernel.kazakhstan_time import local_date
from kernel.territories import territory_names
from petitions import counter, labels, rules
from petitions.models import Petition, Signature
from petitions.pages import bp, visible_petition
from web import clock

# A receipt as the signing API hands it out (secrets.token_urlsafe(18): 24 characters).
RECEIPT = re.compile(r"[A-Za-z0-9_-]{16,64}")
# og:locale of each language of the pages
OG_LOCALES = {"kk": "kk_KZ", "ru": "ru_RU", "en": "en_US"}
# A poster for the petitions people can still sign: their reach is what it is for.
POSTER_STATES = rules.SIGNABLE_STATES
# The petitions whose page offers its share block: those others can open (a restricted one by its link).
SHARED_STATES = ("restricted", "open", "under_review", "answered")


def absolute(path: str) -> str:
    """`path` (from url_for) on DAUYS_BASE_URL: the address handed out to be shared or printed."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def petition_url(petition_id: int) -> str:
    return absolute(url_for("petitions.show", petition_id=petition_id))


def short_url(petition_id: int) -> str:
    return absolute(url_for("petitions.short_link", petition_id=petition_id))


@dataclass(frozen=True)
class Sharing:
    url: str  # the petition's page, absolute
    text: str  # what a shared message says, in the page's language
    description: str  # the count and the progress, in the page's language (the link card's)
    telegram: str
    whatsapp: str
    og_locale: str


def progress_text(petition: Petition, count: int) -> str:
    """Where the petition stands, in a sentence of the page's language: its count against the
    target of its stage, or what its count led to."""
    supporters = current_app.config["PETITION_RESTRICTED_SUPPORTERS"]
    if petition.state == "restricted":
        return _(
            "%(count)s of the %(target)s first supporters it needs to be published",
            count=format_number(count),
            target=format_number(supporters),
        )
    if petition.state == "open":
        left = max(0, petition.threshold - count)
        return ngettext(
            "%(count)s of %(threshold)s signatures (%(percent)s): %(left)s more to go",
            "%(count)s of %(threshold)s signatures (%(percent)s): %(left)s more to go",
            left,
            count=format_number(count),
            threshold=format_number(petition.threshold),
            percent=_share_of(count, petition.threshold),
            left=format_number(left),
        )
    if petition.state == "under_review":
        return ngettext(
            "%(count)s signature: the threshold is reached, and the answer is due by %(date)s",
            "%(count)s signatures: the threshold is reached, and the answer is due by %(date)s",
            count,
            count=format_number(count),
            date=date_phrase(petition.review_due_on, "plain"),  # the translation words "by"
        )
    if petition.state == "answered":
        return ngettext(
            "%(count)s signature; answered: %(decision)s",
            "%(count)s signatures; answered: %(decision)s",
            count,
            count=format_number(count),
            decision=labels.DECISION_NAMES[petition.answer_decision],
        )
    return ngettext("%(count)s signature", "%(count)s signatures", count, count=format_number(count))


def _share_of(count: int, target: int) -> str:
    """The count's share of the target as the progress bar words it: "less than 0.1 %" when tiny."""
    if count and count * 1000 < target:
        return _("less than %(percent)s", percent=format_percent(0.001, "#,##0.#%"))
    return format_percent(min(1, count / target), "#,##0.#%")


@bp.app_context_processor
def sharing_words() -> dict:
    return {"SHARED_STATES": SHARED_STATES}


@bp.app_template_global("petition_sharing")
def sharing(petition: Petition, count: int) -> Sharing:
    """What the petition's share block and link card say: for templates/petitions/_share.html and _meta.html."""
    url = petition_url(petition.id)
    title = visible_text.isolated(petition.title)
    if petition.state == "restricted":
        text = _("Support the petition “%(title)s”: it is published once enough people sign it.", title=title)
    elif petition.state == "open":
        text = _("Sign the petition “%(title)s”: %(progress)s.", title=title, progress=progress_text(petition, count))
    else:
        text = _("The petition “%(title)s”: %(progress)s.", title=title, progress=progress_text(petition, count))
    return Sharing(
        url=url,
        text=text,
        description=progress_text(petition, count),
        telegram="https://t.me/share/url?" + urlencode({"url": url, "text": text}, quote_via=quote),
        whatsapp="https://wa.me/?" + urlencode({"text": f"{text}\n{url}"}, quote_via=quote),
        og_locale=OG_LOCALES.get(str(get_locale() or "kk"), "kk_KZ"),
    )


@bp.get("/p/<int:petition_id>")
def short_link(petition_id: int):
    """The short link a poster prints: on to the petition's page (which decides who may see it)."""
    return redirect(url_for("petitions.show", petition_id=petition_id), 302)


@dataclass(frozen=True)
class NextSteps:
    """What a signer reads after signing: the count now and what comes next."""

    count: int
    threshold: int
    state: str
    supporters: int  # the first supporters a restricted petition needs to be published
    collection_months: int
    review_working_days: int
    head_seconds: int


@bp.get("/petitions/<int:petition_id>/receipt")
def receipt(petition_id: int):
    """The receipt page: the signature this receipt stands for, the count now, what happens at the
    threshold and by when, and how to check the receipt in the public log; with `part=1` only its
    part, which static/js/petition-receipt.js shows under the signing form."""
    given = request.args.get("receipt", "")
    if not RECEIPT.fullmatch(given):
        raise DomainError("not_found")
    signature = db.session.scalar(
        select(Signature).where(Signature.receipt == given, Signature.petition_id == petition_id)
    )
    if signature is None:
        raise DomainError("not_found")
    petition = visible_petition(petition_id)
    figures = counter.tally(petition_id)  # this signer's signature is in it, not a second old
    config = current_app.config
    steps = NextSteps(
        count=figures.signature_count,
        threshold=figures.threshold,
        state=figures.state,
        supporters=config["PETITION_RESTRICTED_SUPPORTERS"],
        collection_months=config["PETITION_COLLECTION_MONTHS"],
        review_working_days=rules.review_working_days(petition.addressee, config),
        head_seconds=config["LOG_HEAD_SECONDS"],
    )
    page = {
        "petition": petition,
        "signature": signature,
        "steps": steps,
        "count": steps.count,
        "territory_name": _territory_name(petition),
        "verify_url": url_for("verification.verify", receipt=given),
    }
    if request.args.get("part") == "1":
        response = current_app.make_response(render_template("petitions/_receipt.html", **page))
    else:
        response = current_app.make_response(render_template("petitions/receipt.html", **page))
    response.headers["Cache-Control"] = "no-store"  # a signer's own page
    return response


@bp.get("/petitions/<int:petition_id>/poster")
def poster(petition_id: int):
    """An A4 poster of a petition people can still sign: its title and addressee, its count now,
    the short link and a QR code of its address (made here, an inline SVG: no request elsewhere)."""
    petition = visible_petition(petition_id)
    if petition.state not in POSTER_STATES:
        raise DomainError("wrong_state")
    count = counter.public_count(petition.id)
    url = petition_url(petition.id)
    short = short_url(petition.id)
    return render_template(
        "petitions/poster.html",
        petition=petition,
        count=count,
        progress=progress_text(petition, count),
        territory_name=_territory_name(petition),
        url=url,
        short=re.sub(r"^https?://", "", short),
        qr=qr_svg(url),
        printed_at=clock.now(),
        restricted_until=petition.restricted_until,
        ends_on=local_date(petition.collection_ends_at) if petition.collection_ends_at else None,
    )


def qr_svg(data: str) -> Markup:
    """A QR code of `data` as an inline SVG (segno; error correction M, a poster may get creased),
    sized by its container: its viewBox in modules, the quiet zone of four included."""
    code = segno.make(data, error="m", boost_error=False)
    return Markup(code.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr", lineclass="qr-dark"))


def _territory_name(petition: Petition) -> str | None:
    if petition.territory is None:
        return None
    return territory_names({petition.territory}, str(get_locale() or "kk")).get(petition.territory)
