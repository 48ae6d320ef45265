"""Demo petitions of Astana residents to the city akimat, each past its threshold (2,500 signatures,
not lowered): two answered (DOMAIN.md "After the answer") and two whose answer is still owed.

- a Kazakh one, discussed in public and supported, with three measures, rated by thirty of its
  signers and reported on: two measures done, one not;
- a Russian one answered "partly supported" as a formality and rated 1 or 2 by most of its sixty
  raters, so it is contested and owes a follow-up answer, which the demo's Astana reviewer may write;
- a Kazakh one under review whose public discussion was held last week: its answer is due, for the
  demo's Astana reviewer to write;
- a Russian one that reached its threshold two days ago: no discussion is scheduled yet.

Like demo/petitions.py, every step goes through the real services with a real JWS, dated in the
past where the story happened (keys are issued as of then, so they were valid then). Each signer
has one SIGN key, issued once, for both petitions and their rating.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from auth import services as auth_services
from auth.models import Person, User
from demo.petitions import Signing, _jws, _sign_keys, day_at, official_keys, sign_together
from demo.timing import crossing_moments, weekday_before
from extensions import db
from kernel.kazakhstan_time import KAZAKHSTAN, local_date
from petitions import accountability, following, services
from petitions.models import Petition

ASTANA = "710000000"
ADDRESSEE = "city_akimat"

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
    # under review: the answer is owed, so the demo's Astana reviewer has work in their queue
    {
        "title": "Жаңа тұрғын үй кварталдарында мемлекеттік балабақша орындарын көбейту",
        "body": (
            "Астананың жаңа тұрғын үй кварталдарында жас отбасылар көп, бірақ мемлекеттік балабақшаға кезек "
            "үш-төрт жылға созылады: ата-аналар айына 80–120 мың теңге төлеп, жекеменшік балабақшаға береді "
            "немесе жұмыстан кетеді. Ұсыныс: жаңа кварталдардағы бос жер учаскелерінде екі мемлекеттік "
            "балабақша салуды қаланың үш жылдық бюджетіне енгізу, жаңа үйлердің бірінші қабаттарындағы "
            "коммерциялық алаңдарды шағын балабақшаға жалға беруді жеңілдету және электронды кезектің әр "
            "ауданы бойынша нақты ұзақтығын ай сайын жариялау."
        ),
        "language": "kk",
        "submitted": 36,
        "approved": 35,
        "signing": (34, 16),
        "signers": 2_499,  # and the demo citizen of Astana: the threshold exactly, which closed the signing
        "discussion": {
            "scheduled": 13,
            "held": 6,
            "place": "Астана қаласы әкімдігі, кіші мәжіліс залы (тікелей трансляциямен)",
        },
        "answered": None,
    },
    {
        "title": "Установить тёплые остановки на конечных пунктах автобусных маршрутов",
        "body": (
            "Зимой на конечных остановках автобусов в новых жилых массивах Астаны люди ждут по 20–30 минут "
            "на ветру при минус тридцати, среди них дети и пожилые. Обычные павильоны без стен от ветра не "
            "спасают. Предлагаем установить утеплённые остановочные павильоны с обогревом хотя бы на "
            "конечных пунктах маршрутов, связывающих жилые массивы с центром, и показывать на табло время "
            "прибытия ближайшего автобуса."
        ),
        "language": "ru",
        "submitted": 17,
        "approved": 16,
        "signing": (15, 2),
        "signers": 2_499,
        "discussion": None,  # not scheduled yet: the reviewer's first step
        "answered": None,
    },
)
# the first Astana residents write the petitions, one each (the story's position); the others sign
RATERS_APART = 100  # the second story's raters are other signers than the first's
# each story's signers come in the order of the Astana residents, from this much further on than the
# story before's: their recent signers differ, yet each resident signs every story within a few hundred
# signatures, so that the signing service still has their certificate parsed (demo.petitions.sign_together)
SIGNERS_APART = 30


def seed_astana_petitions(
    astana_iins: Sequence[str], citizen_iin: str, moderator_iin: str, reviewer_iin: str, now: datetime,
    follower_iin: str | None = None,
) -> int:
    """The stories not told yet, each once; returns how many were.

    `astana_iins` are the demo's Astana residents who write and sign them; the demo citizen of
    Astana (`citizen_iin`) signs them all (asking to be told) and rates neither answered one, so
    they may rate them in the demo, and hear of the answers still owed. `follower_iin` (the Kenes
    villager, who may not sign a city's petition) follows the two under review from their approval,
    so their inbox tells of each step without a signature (petitions/following.py).
    """
    stories = [story for story in STORIES if not _told(story)]
    if not stories:
        return 0
    keys_at = day_at(now, max(story["submitted"] for story in stories) + 1)
    people = {p.iin: p for p in db.session.scalars(select(Person).where(Person.kato == ASTANA))}
    # one SIGN key for each, issued once, valid for every petition and the ratings
    keys = {iin: _sign_keys(people[iin], keys_at) for iin in [*astana_iins, citizen_iin]}
    del people  # held no longer, so that each commit below has not thousands of rows of the registry to expire
    officials = {"moderator": official_keys(moderator_iin, keys_at), "reviewer": official_keys(reviewer_iin, keys_at)}
    db.session.commit()
    cast = {
        "moderator": auth_services.account_for(moderator_iin, keys_at),
        "reviewer": auth_services.account_for(reviewer_iin, keys_at),
        "citizen": citizen_iin,
    }
    astana = list(astana_iins)
    petitions = {
        position: _submitted_and_approved(story, astana[position], cast["moderator"], keys, officials["moderator"], now)
        for position, story in enumerate(STORIES)
        if story in stories
    }
    if follower_iin is not None:
        follower = auth_services.account_for(follower_iin, keys_at)
        for position, petition in petitions.items():
            if STORIES[position]["title"] in FOLLOWED:
                following.follow(petition, follower, petition.moderated_at or keys_at)
        db.session.commit()
    signings = {
        position: _signing(petition, position, astana, citizen_iin, now) for position, petition in petitions.items()
    }
    sign_together(list(signings.values()), keys, frozenset({citizen_iin}))
    for position, petition in petitions.items():
        raters = [iin for iin in signings[position].signers if iin != citizen_iin][position * RATERS_APART :]
        _after_signatures(petition, STORIES[position], raters, cast, keys, officials, now)
    return len(stories)


# the petitions the Kenes villager follows: the two under review (6 and 7)
FOLLOWED = (
    "Жаңа тұрғын үй кварталдарында мемлекеттік балабақша орындарын көбейту",
    "Установить тёплые остановки на конечных пунктах автобусных маршрутов",
)


def _told(story: dict) -> bool:
    return db.session.scalar(select(Petition.id).where(Petition.title == story["title"]).limit(1)) is not None


def where_they_are() -> list[str]:
    """A line for each Astana demo petition: its number, and what it shows and owes now."""
    lines = []
    titles = [story["title"] for story in STORIES]
    for petition in db.session.scalars(select(Petition).where(Petition.title.in_(titles)).order_by(Petition.id)):
        if petition.state == "under_review":
            held = petition.discussion_at
            parts = [
                f"under review, {'discussion held ' + held.date().isoformat() if held else 'no discussion scheduled yet'}",
                f"its answer is due by {petition.review_due_on.isoformat()}"
                f" (reviewer-astana may {'write it' if held else 'schedule the discussion and answer'})",
            ]
            lines.append(f"  petition {petition.id} ({petition.language}): " + "; ".join(parts))
            continue
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


def _signing(petition: Petition, position: int, astana: list[str], citizen_iin: str, now: datetime) -> Signing:
    """Who signs the story's petition and when: the Astana residents but its author, from the story's
    own place on (SIGNERS_APART), as many as it tells, and the demo citizen of Astana among them,
    over the story's days as people sign (demo.timing): a little short of the threshold before the
    last day, which carries the petition over it."""
    story = STORIES[position]
    others = [iin for iin in astana if iin != astana[position]]
    start = position * SIGNERS_APART
    signers = others[start:] + others[:start]
    if story["signers"] is not None:
        signers = signers[: story["signers"]]
    rng = random.Random(story["title"])
    signers.insert(rng.randrange(len(signers) + 1), citizen_iin)
    first, last = story["signing"]
    last_day = local_date(day_at(now, last))
    evening = datetime.combine(last_day, time(23, 59, 59), KAZAKHSTAN).astimezone(UTC)
    opened = day_at(now, story["approved"])
    at = crossing_moments(
        rng, len(signers), petition.threshold, local_date(day_at(now, first)), last_day, opened, min(evening, now)
    )
    return Signing(petition, signers, at)


def _after_signatures(
    petition: Petition, story: dict, raters: list[str], cast: dict, keys: dict, officials: dict, now: datetime
) -> None:
    """The rest of the story, once its signatures are in: the review, and what followed the answer."""
    if petition.state != "under_review":
        raise ValueError(f"{story['title']}: {petition.state} after its signatures, not under review")
    reviewer, reviewer_keys = cast["reviewer"], officials["reviewer"]
    if story["discussion"]:
        discussion = story["discussion"]
        act = {
            "purpose": "petition.discussion",
            "at": weekday_before(day_at(now, discussion["held"], 6)).isoformat(),  # 11:00 on a working day
            "place": discussion["place"],
        }
        _review(petition, reviewer, reviewer_keys, act, day_at(now, discussion["scheduled"]))
    if story["answered"] is None:
        if petition.review_due_on <= local_date(now):
            raise ValueError(f"{story['title']}: its answer was due by {petition.review_due_on}, not still owed")
        return
    answered = day_at(now, story["answered"])
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
        _review(petition, reviewer, reviewer_keys, act, day_at(now, report["published"]))


def _submitted_and_approved(
    story: dict, author_iin: str, moderator: User, keys: dict, moderator_keys, now: datetime
) -> Petition:
    submitted = day_at(now, story["submitted"])
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
    approved = day_at(now, story["approved"])
    act = {"purpose": "petition.moderate", "doc": doc, "decision": "approve"}
    services.moderate(petition, moderator, _jws(moderator_keys, act, approved), approved)
    db.session.commit()
    return petition


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
        at = day_at(now, first) + timedelta(seconds=n * span // len(values))
        reasons = list(rng.choice(story["reasons"][value])) if value in story["reasons"] else []
        payload = {"purpose": "petition.rate", "doc": doc, "rating": value, "reasons": reasons}
        accountability.rate(petition, _jws(keys[iin], payload, at), at)
    db.session.commit()
