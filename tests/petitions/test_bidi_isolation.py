"""Text stored before bidi controls were refused cannot reorder the page around it (red team F8).

New text never holds a bidi control (visible_text.prose, visible_text.title); a row written before
may. Each template puts user text either in a <bdi> (an isolate: what it holds cannot move the
text around it) or alone in a block of its own (a bidi paragraph of its own); plain text (the
page's <title>, e-mails, the inbox) isolates it with FSI ... PDI. Checked twice: on the template
sources, so a new template that shows a title bare is caught, and on pages rendered from legacy
rows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kernel.visible_text import BIDI_CONTROLS
from tests.conftest import answer_fields
from tests.petitions.conftest import create_and_submit, sign
from tests.petitions.test_pages import sign_in_page, sign_out_page

ROOT = Path(__file__).resolve().parents[2]
LEGACY = "Ауыл \u202eуеднөж\u200f керек"  # an unterminated override and a right-to-left mark
# Attributes that hold text a person wrote (petitions, proposals, their decisions).
USER_TEXT = re.compile(
    r"\.(title|body|description|ineligible_reason|rejection_comment|answer_text|answer_official|discussion_place)\b"
)
BLOCKS = {"div", "p", "dd", "li", "td", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _expressions(source: str):
    yield from re.finditer(r"\{\{(.*?)\}\}", source, re.S)


def test_every_template_isolates_the_user_text_it_shows():
    bare, checked = [], 0
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        source = path.read_text(encoding="utf-8")
        for match in _expressions(source):
            expression = match.group(1)
            # form fields (`form.title`, `m.field(form.body)`) and code's labels (`grant.body`) are not user text
            # (nor a field's own description: `form.title.description`)
            shown = [
                m for m in USER_TEXT.finditer(expression) if not re.search(r"\b(form|f|grant)(\.\w+)?$", expression[: m.start()])
            ]
            if not shown:
                continue
            checked += 1
            before, after = source[: match.start()], source[match.end():]
            line = source.count("\n", 0, match.start()) + 1
            isolated = all(re.match(r"\s*(\|\s*truncate\([^)]*\)\s*)?\|\s*isolated\b", expression[m.end():]) for m in shown)
            if path.suffix == ".txt" or "{% block title %}" in before[-40:]:
                ok = isolated
            else:
                # in HTML: <bdi> or a block of its own; in an attribute or SVG text (no <bdi> there), FSI…PDI
                ok = isolated or (before.endswith("<bdi>") and after.startswith("</bdi>")) or bool(
                    re.search(r"<(div|p|dd)\b[^<>]*>$", before) and re.match(r"</(div|p|dd)>", after)
                )
            if not ok:
                bare.append(f"{path.relative_to(ROOT)}:{line}: {{{{{expression}}}}}")
    assert checked >= 30 and bare == []


class _Isolation(HTMLParser):
    """Text nodes holding a bidi control that could reorder the page around them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.events: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        self.events.append(("end", tag))
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        self.events.append(("data", data, tuple(self.stack)))

    def loose(self) -> list[str]:
        found = []
        for index, event in enumerate(self.events):
            if event[0] != "data" or not any(ord(c) in BIDI_CONTROLS for c in event[1]):
                continue
            data, stack = event[1], event[2]
            parent = stack[-1] if stack else ""
            alone = (
                parent in BLOCKS and self.events[index - 1] == ("start", parent) and self.events[index + 1] == ("end", parent)
            )
            plain = parent == "title" and data.count("\u2068") == data.count("\u2069") >= 1
            if not (parent == "bdi" or alone or plain):
                found.append(f"<{parent}> {data.strip()[:60]!r}")
        return found


def loose_text(html: str) -> list[str]:
    parser = _Isolation()
    parser.feed(html)
    return parser.loose()


def write_columns(model, row_id: int, **columns) -> None:
    from extensions import db

    db.session.execute(model.__table__.update().where(model.__table__.c.id == row_id).values(**columns))
    db.session.commit()
    db.session.expire_all()


@pytest.fixture
def author_actor(make_citizen, actor):
    return actor(make_citizen(kato="710000000"))


def test_pages_isolate_legacy_text_of_a_petition_and_its_answer(small_thresholds, client, officials, make_citizen, actor, subtests):
    from petitions.models import Petition

    petition = create_and_submit(officials["admin"])
    pid = petition["id"]
    officials["moderator"].moderate(pid)
    for _ in range(3):
        assert sign(client, make_citizen(), petition).status_code == 201
    reviewer = officials["reviewer"]
    at = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    assert reviewer.review(pid, "petition.discussion", at=at, place="Астана").status_code == 200
    assert reviewer.review(pid, "petition.answer", **answer_fields("supported")).status_code == 200
    write_columns(Petition, pid, title=LEGACY, body=LEGACY + " " + LEGACY, answer_text=LEGACY, answer_official=LEGACY,
           discussion_place=LEGACY)
    queued = create_and_submit(actor(make_citizen()), title="Ауылға жаңа мектеп салу керек")
    write_columns(Petition, queued["id"], title=LEGACY, body=LEGACY)

    pages = {"petition": f"/petitions/{pid}", "list": "/petitions"}
    for name, path in pages.items():
        with subtests.test(page=name):
            html = client.get(path).get_data(as_text=True)
            assert LEGACY in html or "\u2068" + LEGACY + "\u2069" in html
            assert loose_text(html) == []
    with subtests.test(page="title element"):
        html = client.get(f"/petitions/{pid}").get_data(as_text=True)
        assert f"<title>\u2068{LEGACY}\u2069 · " in html
    sign_in_page(client, reviewer.citizen)
    with subtests.test(page="review"):
        html = client.get(f"/review/{pid}").get_data(as_text=True)
        assert LEGACY in html and loose_text(html) == []
    sign_out_page(client)
    sign_in_page(client, officials["moderator"].citizen)
    for name, path in {"moderation queue": "/moderation", "moderation": f"/moderation/{queued['id']}"}.items():
        with subtests.test(page=name):
            html = client.get(path).get_data(as_text=True)
            assert LEGACY in html and loose_text(html) == []


def test_the_rejection_comment_and_the_mails_isolate_legacy_text(client, author_actor, officials):
    from auth.services import account_for
    from notifications.services import render
    from petitions.models import Petition

    petition = create_and_submit(author_actor)
    rejected = officials["moderator"].moderate(petition['id'], "reject", reason="no_proposal", comment="Ұсыныс жоқ.")
    assert rejected.status_code == 200
    write_columns(Petition, petition["id"], title=LEGACY, rejection_comment=LEGACY)
    html = client.get(f"/petitions/{petition['id']}").get_data(as_text=True)
    assert LEGACY in html and loose_text(html) == []

    user = account_for(author_actor.citizen.iin, datetime.now(UTC))
    _subject, text = render("petition.rejected", user, {"petition_id": petition["id"]}, "en")
    assert text.count("\u2068" + LEGACY + "\u2069") == 2, text  # the comment and the footer's title
    assert LEGACY not in text.replace("\u2068" + LEGACY + "\u2069", "")


def test_ordinary_text_is_not_wrapped_in_plain_text(client, author_actor, officials):
    from auth.services import account_for
    from notifications.services import render

    petition = create_and_submit(author_actor)
    officials["moderator"].moderate(petition['id'])
    user = account_for(author_actor.citizen.iin, datetime.now(UTC))
    _subject, text = render("petition.approved", user, {"petition_id": petition["id"]}, "en")
    assert "Petition: Ауыл көшесін жөндеу керек" in text and "\u2068" not in text
