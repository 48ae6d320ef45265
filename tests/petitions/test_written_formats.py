"""Every e-mail and the pages that show dates and figures, in kk, ru and en, are scanned for how they
must not be written: CLDR's Kazakh "2026 ж. 02 жел.", abbreviated months, a nominative month before
"дейін"/"бастап" ("2 ақпан дейін"), two full stops after a date ("… 2026 г.."), a comma grouping
thousands in Kazakh or Russian, a breaking space before ₸.

E-mails are rendered from every template in templates/email/ (each with every date it can show set);
the pages over HTTP, for petitions in the states whose pages carry dates in sentences.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.dates import get_month_names

from kernel import local_formats

LANGS = ("kk", "ru", "en")
EMAILS = sorted(
    p.stem for p in (Path(__file__).parents[2] / "templates" / "email").glob("*.txt") if not p.stem.startswith("_")
)
KK_NOMINATIVES = "|".join(row[0] for row in local_formats.KK_MONTHS)


def _abbreviated_months(lang: str) -> list[str]:
    names = {
        *get_month_names("abbreviated", "format", lang).values(),
        *get_month_names("abbreviated", "stand-alone", lang).values(),
    }
    wide = {*get_month_names("wide", "format", lang).values(), *get_month_names("wide", "stand-alone", lang).values()}
    return sorted(n for n in names if n not in wide and n.lower() not in {w.lower() for w in wide})


def wrong_writing(text: str, lang: str) -> list[str]:
    """Each way `text` writes a date or a figure wrongly for `lang`, with where."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    patterns = {
        "CLDR's Kazakh padded day": r"ж\.\s0\d",
        "CLDR's Kazakh year first": r"\d{4}\s?ж\.\s\d",
        "two full stops": r"(г|ж)\.\.",
        "a breaking space or none before ₸": r"\d(?: ?)₸",
        "a nominative month before a postposition": rf"\b({KK_NOMINATIVES}) (дейін|бастап)",
        "a date without its case before a postposition": r"ж\. (дейін|бастап)",
    }
    if lang in ("kk", "ru"):
        patterns["a comma grouping thousands"] = r"(?<![\d,])\d{1,3}(,\d{3})+(?![\d,])"
    found = [
        f"{name}: …{text[max(0, m.start() - 30) : m.end() + 30]}…"
        for name, pattern in patterns.items()
        for m in re.finditer(pattern, text)
    ]
    for short in _abbreviated_months(lang):
        for m in re.finditer(rf"(?<!\w){re.escape(short)}(?=[\s\d]|$)", text):
            found.append(f"an abbreviated month {short!r}: …{text[max(0, m.start() - 30) : m.end() + 30]}…")
    return found


def test_the_scan_catches_what_it_looks_for():
    assert wrong_writing("2026 ж. 02 жел.", "kk") and wrong_writing("2026 ж. 2 желтоқсан", "kk")
    assert wrong_writing("Қол жинау 2 ақпан дейін жүреді.", "kk")
    assert wrong_writing("до 2 декабря 2026 г..", "ru") and wrong_writing("2 дек. 2026 г.", "ru")
    assert wrong_writing("8,000,000 ₸", "kk") and wrong_writing("1 200 ₸", "ru")
    assert wrong_writing("Dec 2, 2026", "en")
    assert not wrong_writing("2026 жылғы 2 ақпанға дейін, 8\u00a0000\u00a0000\u00a0₸, 2,5 из 5", "kk")
    assert not wrong_writing("8,000,000\u00a0₸ on December 2, 2026.", "en")


# --- e-mails ----------------------------------------------------------------------------------


def _petition(day: date) -> SimpleNamespace:
    at = datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)
    return SimpleNamespace(
        id=7,
        title="Ауыл көшесін жөндеу керек",
        threshold=50_000,
        state="answered",
        review_due_on=day,
        moderation_due_on=day,
        collection_ends_at=at,
        discussion_at=at,
        discussion_place="Астана, Бейбітшілік 11",
        answer_decision="partly_supported",
        answer_text="Жауап",
        answer_official="Ахметов Ерлан",
        answered_at=at,
        report_due_on=day,
        rating_closes_on=day,
        contested_at=at,
        follow_up_due_on=day,
        follow_up_text="Жауап",
        follow_up_official="Ахметов Ерлан",
        follow_up_at=at,
        report_text="Есеп",
        report_official="Ахметов Ерлан",
        reported_at=at,
        rejection_reason="duplicate",
        rejection_comment="Бұрын берілген",
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", LANGS)
def test_no_e_mail_writes_a_date_or_a_sum_wrongly(app, lang):
    from flask import render_template
    from flask_babel import force_locale

    from notifications.links import external_url

    user = SimpleNamespace(person=SimpleNamespace(given_name="Айгерім"), locale=lang)
    cycle = SimpleNamespace(id=3, year=2026, result={"funded": [1, 2]})
    for month in (2, 9, 12):  # ақпан (-ға), қыркүйек (-ке), желтоқсан: each its own ending
        day = date(2026, month, 2)
        for state in ("eligible", "ineligible"):
            proposal = SimpleNamespace(
                id=5, title="Көше жарығы", checked_cost=1_200_000, state=state, ineligible_reason="Жеке меншік"
            )
            for name in EMAILS:
                with app.test_request_context("/"), force_locale(lang):
                    text = render_template(
                        f"email/{name}.txt",
                        user=user,
                        petition=_petition(day),
                        cycle=cycle,
                        proposal=proposal,
                        data={"days_left": 5, "phase": "voting"},
                        page=False,
                        external_url=external_url,
                    )
                assert not wrong_writing(text, lang), (name, wrong_writing(text, lang))
    with app.test_request_context("/"), force_locale(lang):
        text = render_template(
            "email/petition_threshold_reached.txt",
            user=user,
            petition=_petition(date(2026, 2, 2)),
            data={},
            page=False,
            external_url=external_url,
        )
    assert local_formats.day_phrase(date(2026, 2, 2), lang, "by") in text
    assert local_formats.number(50_000, lang) in text


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def dated_petitions(app, make_citizen):
    """A petition whose moderation is overdue, one under review, one answered with everything after
    the answer (contested, followed up, reported, its rating window closed), and an open one with
    signatures in two regions over its first hours; every date in February or September 2026."""
    from extensions import db
    from kernel.territories import Territory
    from petitions.models import Petition, PetitionMeasure, Signature

    author = make_citizen()
    feb, sep = date(2026, 2, 2), date(2026, 9, 2)
    at = datetime(2026, 2, 2, 9, 30, tzinfo=UTC)
    common = dict(
        author_iin=author.iin,
        body="Ауыл көшесін жөндеу керек. " * 4,
        language="kk",
        addressee="government",
        threshold=50_000,
        digest="sha256:" + "0" * 64,
        created_at=at,
        submitted_at=at,
    )
    rows = {
        "moderation": Petition(title="Модерациядағы петиция", state="moderation", moderation_due_on=feb, **common),
        "under_review": Petition(
            title="Қаралып жатқан петиция",
            state="under_review",
            moderation_due_on=feb,
            moderated_at=at,
            published_at=at,
            threshold_reached_at=at,
            review_due_on=sep,
            discussion_at=at,
            discussion_place="Астана",
            **common,
        ),
        "answered": Petition(
            title="Жауап берілген петиция",
            state="answered",
            moderation_due_on=feb,
            moderated_at=at,
            published_at=at,
            threshold_reached_at=at,
            review_due_on=feb,
            answer_decision="partly_supported",
            answer_text="Жауап " * 50,
            answer_official="Ахметов Ерлан",
            answered_at=at,
            report_due_on=sep,
            rating_closes_on=feb,
            contested_at=at,
            follow_up_due_on=sep,
            **common,
        ),
        "restricted": Petition(
            title="Сілтеме арқылы ғана ашылатын петиция",
            state="restricted",
            moderation_due_on=feb,
            moderated_at=at,
            restricted_until=feb,
            **common,
        ),
        "open": Petition(
            title="Ашық петиция",
            state="open",
            moderation_due_on=feb,
            moderated_at=at,
            published_at=at,
            collection_ends_at=datetime(2026, 9, 2, 12, tzinfo=UTC),
            **common,
        ),
    }
    db.session.add_all(rows.values())
    db.session.add(
        Territory(kato="750000000", name_kk="Алматы қаласы", name_ru="город Алматы", level="city", population=2_200_000)
    )
    db.session.flush()
    db.session.add(
        PetitionMeasure(petition_id=rows["answered"].id, number=1, body="Әкімдік", what="Жөндеу", due_on=sep)
    )
    first = datetime(2026, 2, 2, 4, 0, tzinfo=UTC)
    for i in range(1_030):  # 1 030 signatures: a count grouped by thousands, hour after hour
        db.session.add(
            Signature(
                petition_id=rows["open"].id,
                signer_hash=uuid.uuid4().hex,
                display_name="Айгерім С.",
                region="750000000" if i % 3 else "710000000",
                signed_at=first + timedelta(minutes=2 * i),
                receipt=uuid.uuid4().hex[:24],
            )
        )
    for name in ("restricted", "under_review"):  # a receipt of each stage: "needed by", "answer by"
        db.session.add(
            Signature(
                petition_id=rows[name].id,
                signer_hash=uuid.uuid4().hex,
                display_name="Айгерім С.",
                region="710000000",
                signed_at=at,
                receipt=f"receipt-of-the-{name}".replace("_", "-"),
            )
        )
    db.session.add(
        Signature(
            petition_id=rows["open"].id,
            signer_hash=uuid.uuid4().hex,
            display_name="Айгерім С.",
            region="710000000",
            signed_at=at,
            receipt="receipt-of-the-open",
        )
    )
    db.session.commit()
    return {name: row.id for name, row in rows.items()}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_page_writes_a_date_or_a_figure_wrongly(app, client, dated_petitions, officials):
    from tests.petitions.test_pages import sign_in_page

    paths = [f"/petitions/{pid}" for pid in dated_petitions.values()] + ["/petitions", "/statistics"]
    for name in ("restricted", "under_review", "open"):  # the signer's receipt and the poster (demo-share)
        pid = dated_petitions[name]
        paths.append(f"/petitions/{pid}/receipt?receipt=receipt-of-the-{name.replace('_', '-')}")
        paths += [f"/petitions/{pid}/poster"] if name != "under_review" else []
    sign_in_page(client, officials["moderator"].citizen)
    official_paths = ["/moderation", f"/moderation/{dated_petitions['moderation']}"]
    for lang in LANGS:
        for path in paths + official_paths:
            response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
            assert response.status_code == 200, path
            page = response.get_data(as_text=True)
            assert not wrong_writing(page, lang), (path, lang, wrong_writing(page, lang))
    answered = client.get(f"/petitions/{dated_petitions['answered']}?lang=kk").get_data(as_text=True)
    assert "2026 жылғы 2 ақпанға дейін" in answered  # ratings were accepted until …
    assert "2026 жылғы 2 қыркүйекке дейін" in answered  # the follow-up answer is owed by …
    delayed = client.get(f"/petitions/{dated_petitions['moderation']}?lang=ru").get_data(as_text=True)
    assert "решение ожидалось 2 февраля 2026 года." in delayed
    shown = client.get(f"/petitions/{dated_petitions['open']}?lang=kk").get_data(as_text=True)
    assert "50\u00a0000" in shown
    receipt = client.get(f"/petitions/{dated_petitions['restricted']}/receipt?receipt=receipt-of-the-restricted&lang=ru")
    assert "до 2 февраля 2026 года:" in receipt.get_data(as_text=True)
