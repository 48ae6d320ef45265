"""Demo petitions after the answer (DOMAIN.md "After the answer"): two petitions of Astana residents
to the city akimat, each past its threshold (2,500 signatures, not lowered) and answered.

- a Kazakh one, discussed in public and supported, with three measures, rated by thirty of its
  signers and reported on: two measures done, one not;
- a Russian one answered "partly supported" as a formality and rated 1 or 2 by most of its sixty
  raters, so it is contested and owes a follow-up answer, which the demo's Astana reviewer may write.

Like demo/petitions.py, every step goes through the real services with a real JWS, dated in the
past where the story happened (keys are issued as of then, so they were valid then). Each signer
has one SIGN key, issued once, for both petitions and their rating.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from auth import services as auth_services
from auth.models import Person, User
from demo.petitions import _jws, _sign_keys, official_keys
from extensions import db
from kernel.kazakhstan_time import local_date
from petitions import accountability, count_moves, services, signing
from petitions.models import Petition

ASTANA = "710000000"
ADDRESSEE = "city_akimat"
MORNING_UTC = 4  # 09:00 in Astana: when each day's step happens
SIGNING_HOURS = 12  # a day's signatures come in over this many hours

# Days count back from the seed; a measure's and the report's due days count on from the answer.
STORIES = (
    {
        "title": "Мектептер маңындағы жаяу жүргіншілер өткелдерін қауіпсіз ету",
        "body": (
            "Астананың жаңа тұрғын үй кварталдарында мектептер көп салынды, бірақ олардың маңындағы "
            "өткелдерде бағдаршам да, жасанды кедір-бұдыр да жоқ: балалар таңертең көлік ағынының арасынан "
            "өтеді. Ұсыныс: әр мектептің 300 метрлік аймағындағы өткелдерге бағдаршам мен жасанды кедір-бұдыр "
            "орнату, жүргізушілерге арналған «Абайлаңыз, балалар!» белгілерін қою және ең қауіпті "
            "қиылыстарда жерасты өткелін салуды жоспарлау."
        ),
        "language": "kk",
        "submitted": 60,
        "approved": 59,
        "signing": (57, 51),  # the first and the last day of signatures
        "signers": None,  # every Astana resident of the demo but the author
        "discussion": {
            "scheduled": 47,
            "held": 40,
            "place": "Астана қаласы әкімдігі, мәжіліс залы (тікелей трансляциямен)",
        },
        "answered": 30,
        "decision": "supported",
        "text": (
            "Петиция қоғамдық талқылауда қаралды. Әкімдік ұсынысты қолдайды: қала мектептерінің маңындағы "
            "48 өткел тексерілді, олардың 14-інде қауіпсіздік құралдары жетіспейді. Жолаушылар көлігі және "
            "автомобиль жолдары басқармасы ең қауіпті екі өткелге бағдаршам, он екі өткелге жасанды "
            "кедір-бұдыр мен ескерту белгілерін орнатады. Жерасты өткелінің жобасына қаражат қаланың "
            "келесі жылғы бюджетіне ұсынылады. Орындалуы туралы есеп белгіленген күні жарияланады."
        ),
        "measures": (
            (
                "Астана қаласының Жолаушылар көлігі және автомобиль жолдары басқармасы",
                "№ 87 және № 92 мектептер маңындағы екі өткелге бағдаршам орнату",
                10,
            ),
            (
                "Астана қаласының Жолаушылар көлігі және автомобиль жолдары басқармасы",
                "Мектептер маңындағы он екі өткелге жасанды кедір-бұдыр мен «Абайлаңыз, балалар!» белгілерін орнату",
                20,
            ),
            (
                "Астана қаласының Экономика және бюджеттік жоспарлау басқармасы",
                "Жерасты өткелінің жобалау-сметалық құжаттамасына қаражатты қаланың келесі жылғы бюджетіне ұсыну",
                26,
            ),
        ),
        "report_due": 28,
        # how many rate the answer 5, 4, 3, 2 and 1, over these days (back from the seed)
        "ratings": ({5: 9, 4: 8, 3: 6, 2: 4, 1: 3}, (29, 18)),
        # it came on time, so nobody says "late"; some find the underpass left out
        "reasons": {
            3: (("incomplete",),),
            2: (("incomplete",), ("formal", "incomplete")),
            1: (("formal",), ("off_topic",)),
        },
        "report": {
            "published": 3,
            "text": (
                "Уәде етілген үш шараның екеуі орындалды: екі бағдаршам іске қосылды, он екі өткелге "
                "кедір-бұдыр мен белгілер орнатылды. Жерасты өткелінің жобасына қаражат мәселесі бюджеттік "
                "комиссияда әлі шешілген жоқ."
            ),
            "measures": (
                (True, "Екі бағдаршам орнатылып, іске қосылды; қабылдау актісі әкімдік сайтында жарияланды."),
                (True, None),
                (False, "Бюджеттік комиссия мәселені бюджетті нақтылау кезінде қарауға қалдырды."),
            ),
        },
        "contested": False,
    },
    {
        "title": "Продлить вечерние автобусные рейсы в новые жилые массивы до 24:00",
        "body": (
            "Последние автобусы в жилые массивы на окраинах Астаны уходят около 22:00, а многие жители "
            "возвращаются со смены позже и вынуждены ехать на такси или идти пешком по неосвещённым "
            "дорогам. Предлагаем продлить работу маршрутов, связывающих новые жилые массивы с центром, до "
            "24:00 хотя бы с интервалом 30 минут и опубликовать расписание вечерних рейсов."
        ),
        "language": "ru",
        "submitted": 45,
        "approved": 44,
        "signing": (43, 39),
        "signers": 2_540,
        "discussion": None,
        "answered": 20,
        "decision": "partly_supported",
        "text": (
            "Ваше обращение рассмотрено. Организация работы общественного транспорта осуществляется в "
            "соответствии с действующим законодательством и утверждённой маршрутной сетью. Вопрос "
            "продления времени работы отдельных маршрутов будет изучен с учётом пассажиропотока и "
            "финансовых возможностей бюджета. О результатах будет сообщено дополнительно."
        ),
        "measures": (
            (
                "Управление пассажирского транспорта и автомобильных дорог города Астаны",
                "Изучить пассажиропоток на вечерних рейсах маршрутов в новые жилые массивы",
                100,
            ),
        ),
        "report_due": 160,
        "ratings": ({5: 4, 4: 6, 3: 8, 2: 18, 1: 24}, (19, 13)),
        "reasons": {
            3: (("incomplete",),),
            2: (("formal",), ("incomplete",), ("formal", "incomplete")),
            1: (("formal",), ("formal", "incomplete"), ("off_topic",)),
        },
        "report": None,  # due months from now
        "contested": True,
    },
)
AUTHORS = 2  # the first Astana residents write the petitions, one each; the others sign
RATERS_APART = 100  # the second story's raters are other signers than the first's


def seed_answered_petitions(
    astana_iins: Sequence[str], citizen_iin: str, moderator_iin: str, reviewer_iin: str, now: datetime
) -> int:
    """The stories not told yet, each once; returns how many were.

    `astana_iins` are the demo's Astana residents who write and sign them; the demo citizen of
    Astana (`citizen_iin`) signs both and rates neither, so they may rate them in the demo.
    """
    stories = [story for story in STORIES if not _told(story)]
    if not stories:
        return 0
    keys_at = _day(now, max(story["submitted"] for story in stories) + 1)
    people = {p.iin: p for p in db.session.scalars(select(Person).where(Person.kato == ASTANA))}
    signers = [people[iin] for iin in astana_iins] + [people[citizen_iin]]
    # one SIGN key for each, issued once, valid for both petitions and the ratings
    keys = {person.iin: _sign_keys(person, keys_at) for person in signers}
    officials = {"moderator": official_keys(moderator_iin, keys_at), "reviewer": official_keys(reviewer_iin, keys_at)}
    db.session.commit()
    cast = {
        "moderator": auth_services.account_for(moderator_iin, keys_at),
        "reviewer": auth_services.account_for(reviewer_iin, keys_at),
        "citizen": citizen_iin,
    }
    for position, story in enumerate(STORIES):
        if story in stories:
            _tell(story, position, list(astana_iins), cast, keys, officials, now)
    return len(stories)


def _told(story: dict) -> bool:
    return db.session.scalar(select(Petition.id).where(Petition.title == story["title"]).limit(1)) is not None


def where_they_are() -> list[str]:
    """A line for each answered demo petition: its number, and what it shows and owes now."""
    lines = []
    titles = [story["title"] for story in STORIES]
    for petition in db.session.scalars(select(Petition).where(Petition.title.in_(titles)).order_by(Petition.id)):
        ratings = accountability.rating_summary(petition.id)["count"]
        parts = [
            f"answered {petition.answer_decision}",
            f"{len(accountability.measures_of(petition.id))} measure(s)",
            f"{ratings} ratings",
        ]
        if petition.reported_at is not None:
            parts.append("report published")
        if petition.contested_at is not None:
            parts.append(
                "contested, follow-up answer published"
                if petition.follow_up_at is not None
                else f"contested: its follow-up answer is due by {petition.follow_up_due_on.isoformat()}"
                " (reviewer-astana may write it)"
            )
        lines.append(f"  petition {petition.id} ({petition.language}): " + "; ".join(parts))
    return lines


def _day(now: datetime, days_ago: int, hour: int = MORNING_UTC) -> datetime:
    """That morning, `days_ago` days before `now`."""
    return (now - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0, microsecond=0)


def _tell(
    story: dict, position: int, astana: list[str], cast: dict, keys: dict, officials: dict, now: datetime
) -> None:
    author_iin = astana[position]
    others = [iin for iin in astana[:AUTHORS] if iin != author_iin] + astana[AUTHORS:]
    signers = others if story["signers"] is None else others[: story["signers"]]
    petition = _submitted_and_approved(story, author_iin, cast["moderator"], keys, officials["moderator"], now)
    _collect(petition, story, signers + [cast["citizen"]], {cast["citizen"]}, keys, now)
    reviewer, reviewer_keys = cast["reviewer"], officials["reviewer"]
    if story["discussion"]:
        discussion = story["discussion"]
        act = {
            "purpose": "petition.discussion",
            "at": _day(now, discussion["held"], 6).isoformat(),
            "place": discussion["place"],
        }
        _review(petition, reviewer, reviewer_keys, act, _day(now, discussion["scheduled"]))
    answered = _day(now, story["answered"])
    today = local_date(answered)
    act = {
        "purpose": "petition.answer",
        "decision": story["decision"],
        "text": story["text"],
        "measures": [
            {"body": body, "what": what, "due_on": (today + timedelta(days=due)).isoformat()}
            for body, what, due in story["measures"]
        ],
        "report_due_on": (today + timedelta(days=story["report_due"])).isoformat(),
    }
    _review(petition, reviewer, reviewer_keys, act, answered)
    raters = signers[position * RATERS_APART :]
    _rate(petition, story, raters, keys, now)
    if (petition.contested_at is not None) != story["contested"]:
        raise ValueError(f"{story['title']}: its ratings did not tell the story (contested: {petition.contested_at})")
    if story["report"]:
        report = story["report"]
        act = {
            "purpose": "petition.report",
            "text": report["text"],
            "measures": [
                {"id": n, "done": done, **({"note": note} if note else {})}
                for n, (done, note) in enumerate(report["measures"], start=1)
            ],
        }
        _review(petition, reviewer, reviewer_keys, act, _day(now, report["published"]))


def _submitted_and_approved(
    story: dict, author_iin: str, moderator: User, keys: dict, moderator_keys, now: datetime
) -> Petition:
    submitted = _day(now, story["submitted"])
    author = auth_services.account_for(author_iin, submitted)
    petition = services.create_draft(
        author,
        title=story["title"],
        body=story["body"],
        language=story["language"],
        addressee=ADDRESSEE,
        territory=ASTANA,
        now=submitted,
    )
    doc = petition.signed_doc()
    services.submit(
        petition, author, _jws(keys[author_iin], {"purpose": "petition.submit", "doc": doc}, submitted), submitted
    )
    approved = _day(now, story["approved"])
    act = {"purpose": "petition.moderate", "doc": doc, "decision": "approve"}
    services.moderate(petition, moderator, _jws(moderator_keys, act, approved), approved)
    db.session.commit()
    return petition


def _collect(petition: Petition, story: dict, signers: list[str], told: set[str], keys: dict, now: datetime) -> None:
    """The signatures, a day's share at a time, each day's committed and its moves made, as the
    signing endpoint does; the last day carries the petition over its threshold (before it, every
    signer still finds it collecting)."""
    first, last = story["signing"]
    days = first - last + 1
    share = -(-len(signers) // days)
    if not (days - 1) * share < petition.threshold <= len(signers):
        raise ValueError("the last day's signatures must carry the petition over its threshold")
    doc = petition.signed_doc()
    for day in range(days):
        start = _day(now, first - day, MORNING_UTC - 1)
        batch = signers[day * share : (day + 1) * share]
        for n, iin in enumerate(batch):
            at = start + timedelta(seconds=n * SIGNING_HOURS * 3600 // len(batch))
            signing.sign(
                petition, _jws(keys[iin], {"purpose": "petition.sign", "doc": doc}, at), at, notify=iin in told
            )
        db.session.commit()
        count_moves.advance(petition.id, at)
        db.session.commit()
    if petition.state != "under_review":
        raise ValueError(f"{story['title']}: {petition.state} after its signatures, not under review")


def _review(petition: Petition, reviewer: User, reviewer_keys, act: dict, at: datetime) -> None:
    services.review(petition, reviewer, _jws(reviewer_keys, {**act, "doc": petition.signed_doc()}, at), at)
    db.session.commit()


def _rate(petition: Petition, story: dict, raters: list[str], keys: dict, now: datetime) -> None:
    """The ratings, in an order of their own (the same on every run), over the story's days."""
    counts, (first, last) = story["ratings"]
    rng = random.Random(petition.title)
    values = [value for value, count in counts.items() for _ in range(count)]
    rng.shuffle(values)
    span = (first - last) * 86400
    doc = petition.signed_doc()
    for n, (value, iin) in enumerate(zip(values, raters, strict=False)):
        at = _day(now, first) + timedelta(seconds=n * span // len(values))
        reasons = list(rng.choice(story["reasons"][value])) if value in story["reasons"] else []
        payload = {"purpose": "petition.rate", "doc": doc, "rating": value, "reasons": reasons}
        accountability.rate(petition, _jws(keys[iin], payload, at), at)
    db.session.commit()
