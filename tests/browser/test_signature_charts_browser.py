"""On a phone, in kk, ru and en: a fast petition's signature charts (regions ranked by name, days, the
first days hour by hour), each with its table; axe finds nothing and nothing scrolls sideways."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import PageAudit

pytestmark = [pytest.mark.browser]

LANGS = ("kk", "ru", "en")
REGIONS = [  # kato, kk, ru, signatures
    ("750000000", "Алматы қаласы", "город Алматы", 420),
    ("710000000", "Астана қаласы", "город Астана", 260),
    ("110000000", None, None, 120),  # Ақмола облысы, seeded by the live server
    ("590000000", "Солтүстік Қазақстан облысы", "Северо-Казахстанская область", 14),
    ("190000000", "Алматы облысы", "Алматинская область", 8),  # fewer than 10: "other regions", 12 in all
    ("230000000", "Атырау облысы", "Атырауская область", 4),
]


def fast_petition(server) -> int:
    """An open petition whose 826 signatures came over its first 36 hours, most in the first day."""
    from auth import services
    from auth.iin import make
    from extensions import db
    from kernel.territories import Territory
    from petitions.models import COUNTER_SHARDS, Petition, PetitionCounter, Signature

    now = datetime.now(UTC)
    first = (now - timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    with server.app.app_context():
        for kato, kk, ru, _n in REGIONS:
            if kk:
                db.session.add(Territory(kato=kato, name_kk=kk, name_ru=ru, level="region", population=1_000_000))
        author = services.add_person(
            iin=make(datetime(1985, 1, 9).date(), "M", 4101), surname="Әлиев", given_name="Нұрлан", kato="113243200"
        )
        petition = Petition(
            author_iin=author.iin,
            title="Мектепке жаңа автобус керек",
            body="Автобус керек. " * 8,
            language="kk",
            addressee="government",
            state="open",
            threshold=50_000,
            digest="sha256:" + "0" * 64,
            created_at=first,
            submitted_at=first,
            published_at=first,
            collection_ends_at=now + timedelta(days=150),
        )
        db.session.add(petition)
        db.session.flush()
        signed = [kato for kato, *_rest, n in REGIONS for _ in range(n)]
        for i, kato in enumerate(signed):
            # a burst: the first 18 hours carry three quarters, then it slows down
            minutes = i * 80 // 60 if i < 600 else 800 + (i - 600) * 6
            db.session.add(
                Signature(
                    petition_id=petition.id,
                    signer_hash=uuid.uuid4().hex,
                    display_name="Айгерім С.",
                    region=kato,
                    signed_at=first + timedelta(minutes=minutes),
                    receipt=uuid.uuid4().hex[:24],
                )
            )
        for shard in range(COUNTER_SHARDS):
            db.session.add(
                PetitionCounter(petition_id=petition.id, shard=shard, count=len(signed) if shard == 0 else 0)
            )
        db.session.commit()
        petition_id = petition.id
        db.session.remove()
    return petition_id


@pytest.mark.parametrize("lang", LANGS)
def test_a_fast_petition_shows_its_regions_ranked_and_its_first_days_hour_by_hour(
    live_server, phone, screenshots, lang
):
    petition_id = fast_petition(live_server)
    audit = PageAudit(phone, live_server.url, lang, screenshots, prefix="charts-")
    audit.check("petition", f"/petitions/{petition_id}")
    audit.assert_clean()
    page = phone  # the audit opened every table: the charts and their tables, as a phone shows them
    page.locator("section.charts").screenshot(path=str(screenshots / f"charts-tables-{lang}.png"))
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0  # tables open, too
    table = page.locator("#table-region").bounding_box()
    assert table["x"] + table["width"] <= page.viewport_size["width"]
    rows = page.locator("#table-region tbody tr").all()
    cells = [[c.text_content() for c in row.locator("td, th").all()] for row in rows]
    ranks = [cell[0] for cell in cells]
    assert ranks == ["1", "2", "3", "4", ""]  # "other regions" has no place
    names = [cell[1] for cell in cells]
    assert names[0] == ("город Алматы" if lang == "ru" else "Алматы қаласы")
    assert not any(name.isdigit() for name in names)  # names, never KATO codes
    assert [cell[2] for cell in cells] == ["420", "260", "120", "14", "12"]
    labels = page.locator("#chart-region-title ~ g .chart-label").all_text_contents()
    assert labels[0].startswith("1. ") and labels[-1] == names[-1]
    assert page.locator("#chart-hour-title").count() == 1
    hours = page.locator("#table-hour tbody tr").all()
    assert len(hours) > 10
    assert page.locator("#by-hour-title").is_visible()
