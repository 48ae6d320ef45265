"""Demo village budgets for Kenes rural district: last year's, counted, and this year's, open for votes.

Everything goes through the real services with real signatures, dated in the past
where the story happened in the past (keys are issued as of then, so they were valid).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from auth import services as auth_services
from auth.models import Person
from budgeting import services
from budgeting.models import BudgetCycle
from budgeting.tally import tally_cycle
from demo.petitions import _jws, _sign_keys, official_keys
from extensions import db

RURAL_DISTRICT = "113243000"
# (title, description, category, settlement, cost): what villagers ask for, in Kazakh or in Russian,
# each with its own reasons and an estimate of its own; last year's cycle, counted
LAST_YEAR = (
    (
        "Кеңес ауылының орталық көшесіне жарық орнату",
        "Орталық көшенің 1,2 шақырымында кешкісін жарық жоқ: балалар мектептен, үлкендер автобус "
        "аялдамасынан қараңғыда қайтады. 36 үнемді LED шам мен екі басқару шкафын орнату ұсынылады, "
        "шамдар түнгі сағат бірге дейін жанады. Құны аудандық электр желілері кәсіпорнының сметасы бойынша.",
        "lighting",
        "113243200",
        1_840_000,
    ),
    (
        "Детская игровая площадка у сельского клуба в Домбыралы",
        "В селе нет ни одной детской площадки, дети играют у дороги. Предлагаем поставить у клуба "
        "площадку с качелями, горкой и песочницей на резиновом покрытии и огородить её. Место согласовано "
        "с акиматом округа, смета составлена по ценам поставщика из Кокшетау с доставкой и монтажом.",
        "playgrounds_sport",
        "113243100",
        2_380_000,
    ),
    (
        "Айдарлы ауылындағы су мұнарасына жаңа сорап",
        "Ескі сорап жаз сайын бірнеше рет істен шығады, сонда ауыл екі-үш күн сусыз қалады, мал суаруға "
        "су тасуға тура келеді. Жаңа батпалы сорап пен кернеу ауытқуынан қорғайтын автоматты қондырғы "
        "сатып алып, орнату керек. Баға аудандық сумен жабдықтау кәсіпорнының бағалауы бойынша.",
        "water",
        "113243300",
        1_150_000,
    ),
    (
        "Отсыпать щебнем дорогу к фермам в Малом Барапе",
        "Грунтовую дорогу длиной 1,8 км от села до ферм весной и осенью размывает так, что не проходит "
        "даже трактор, а молоковоз ждёт на трассе. Нужна отсыпка щебнем слоем 15 см и две "
        "водопропускные трубы под дорогой. Расчёт по прошлогодней смете соседнего округа.",
        "roads",
        "113243400",
        2_960_000,
    ),
    (
        "Мектеп жанындағы спорт алаңын жөндеу",
        "Кеңес мектебінің футбол алаңының қоршауы құлап, баскетбол тіректері тот басқан, сабақтан кейін "
        "балалар далада ойнайтын орын жоқ. Қоршауды ауыстыру, алаңға жасанды шөп жабын төсеу және екі "
        "баскетбол щитін орнату ұсынылады; мектеп алаңды кешке ауыл жастарына да ашады.",
        "playgrounds_sport",
        "113243200",
        3_120_000,
    ),
    (
        "Мәдениет үйіне 120 жаңа орындық",
        "Мәдениет үйінің зал орындықтары 1980 жылдардан бері ауыстырылмаған, көбі сынған. Той, жиналыс "
        "және мектеп кештерінде адамдар тік тұрады. 120 жұмсақ орындық сатып алып, орнату керек.",
        "culture",
        "113243200",
        870_000,
    ),
)
# this year's cycle, open for votes
THIS_YEAR = (
    (
        "Уличные тренажёры и турники у школы в Кенесе",
        "Молодёжи и взрослым негде заниматься спортом: ближайший зал в райцентре. Предлагаем поставить "
        "рядом со школьным стадионом шесть уличных тренажёров, турники и брусья на резиновом покрытии. "
        "Школа согласна присматривать за площадкой, стоимость — по коммерческому предложению поставщика.",
        "playgrounds_sport",
        "113243200",
        2_640_000,
    ),
    (
        "Айдарлы ауылындағы Мектеп көшесіне су колонкасы",
        "Мектеп көшесіндегі он төрт үйге су құбыры жетпейді: тұрғындар суды көрші көшеден шелекпен "
        "тасиды, қыста жол мұз болады. Ұңғыма қазып, қатпайтын су колонкасын орнату ұсынылады. Құны "
        "геологиялық барлау мен бұрғылауды қоса есептегенде.",
        "water",
        "113243300",
        3_480_000,
    ),
    (
        "Кіші Барап ауылының көшелеріне күн батареялы шамдар",
        "Кіші Барапта көше жарығы мүлде жоқ, ал электр желісін тарту қымбатқа түседі. Ауылдың үш "
        "көшесіне күн батареясымен жұмыс істейтін 24 шам қою ұсынылады: желіге қосуды және ай сайынғы "
        "электр ақысын қажет етпейді.",
        "lighting",
        "113243400",
        1_520_000,
    ),
    (
        "Ремонт пешеходного моста через ручей в Кенесе",
        "Деревянный мост через ручей, по которому дети ходят в школу с улицы Береговой, прогнил, "
        "перила держатся на проволоке. Предлагаем заменить настил и опоры на металлические, поставить "
        "перила с двух сторон. Смета составлена районным отделом строительства.",
        "roads",
        "113243200",
        2_210_000,
    ),
    (
        "Домбыралы ауылының бас көшесін көгалдандыру",
        "Бас көшенің бойында бірде-бір ағаш жоқ, жазда шаң мен аптап. Ауыл тұрғындары сенбілікте отырғызып, "
        "күтіп-бағуға дайын: 150 қайың мен шаған көшетін, тамшылатып суару жүйесін сатып алу керек.",
        "landscaping",
        "113243100",
        940_000,
    ),
    (
        "Оборудовать в клубе Домбыралы комнату для кружков",
        "В сельском клубе пустует комната, где могли бы заниматься кружки домбры, рукоделия и шахмат для "
        "детей и пенсионеров. Нужны ремонт, столы, стулья, шкафы и две домбры. Руководить кружками "
        "согласились учитель музыки и члены совета ветеранов.",
        "culture",
        "113243100",
        1_180_000,
    ),
)


def _residents(kato_prefix: str, adult_before) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.kato.like(kato_prefix + "%"), Person.birth_date < adult_before)
            .order_by(Person.iin)
        )
    )


def _cycle(
    year: int, opens: datetime, rule: str, ballot: str, officer_iin: str, voters: int, now: datetime, proposals: tuple
) -> BudgetCycle:
    officer = auth_services.account_for(officer_iin, now)
    cycle = services.create_cycle(
        officer,
        kato=RURAL_DISTRICT,
        year=year,
        amount=8_000_000,
        ballot=ballot,
        rule=rule,
        min_choices=None,
        max_choices=3 if ballot == "approval" else None,
        proposals_open=opens,
        proposals_close=opens + timedelta(days=20),
        voting_open=opens + timedelta(days=30),
        voting_close=opens + timedelta(days=45),
        now=opens - timedelta(days=1),
    )
    residents = _residents(RURAL_DISTRICT[:6], (now - timedelta(days=366 * 19)).date())
    proposed_at = opens + timedelta(days=2)
    screened_at = opens + timedelta(days=22)
    # the officer signs each screening with an official key valid then (API.md "Official acts")
    officer_keys = official_keys(officer_iin, screened_at)
    for (title, description, category, settlement, cost), author in zip(proposals, residents, strict=False):
        user = auth_services.account_for(author.iin, now)
        fields = {
            "title": title,
            "description": description,
            "category": category,
            "settlement": settlement,
            "cost": cost,
        }
        proposal = services.create_proposal(cycle, user, fields, proposed_at)
        keys = _sign_keys(author, proposed_at)
        services.submit_proposal(
            proposal,
            user,
            _jws(keys, {"purpose": "proposal.submit", "doc": proposal.signed_doc()}, proposed_at),
            proposed_at,
        )
        act = {"purpose": "proposal.screen", "doc": proposal.signed_doc(), "eligible": True, "cost": cost}
        services.screen(proposal, officer, _jws(officer_keys, act, screened_at), screened_at)
    db.session.commit()
    cast_at = min(opens + timedelta(days=31), now)
    rng = random.Random(year)
    on_ballot = services.eligible_projects(cycle.id)
    for voter in residents[len(proposals) : len(proposals) + voters]:
        keys = _sign_keys(voter, cast_at)
        # A village votes mostly for its own projects: the case the Method of Equal Shares is fair to.
        own = [p for p, item in on_ballot.items() if item.settlement == voter.kato]
        wanted = own[:2] + rng.sample(sorted(on_ballot), k=rng.randint(1, 3))
        choice: list[int] = []
        for project in wanted:
            total = sum(on_ballot[p].checked_cost for p in choice) + on_ballot[project].checked_cost
            if project not in choice and len(choice) < 3 and total <= cycle.amount:
                choice.append(project)
        choice.sort()
        payload = {"purpose": "ballot.cast", "ballot": {"cycle": cycle.id, "projects": choice}}
        services.cast_ballot(cycle, _jws(keys, payload, cast_at), cast_at)
    db.session.commit()
    return cycle


def seed_budgets(officer_iin: str, now: datetime) -> int:
    """Last year's cycle (counted by MES) and this year's (voting open now); once."""
    if db.session.scalar(select(BudgetCycle.id).where(BudgetCycle.kato == RURAL_DISTRICT)):
        return 0
    last = _cycle(now.year - 1, now - timedelta(days=300), "mes", "approval", officer_iin, 60, now, LAST_YEAR)
    tally_cycle(last.id, now)
    db.session.commit()
    current_opens = now - timedelta(days=31)
    _cycle(now.year, current_opens, "greedy", "knapsack", officer_iin, 15, now, THIS_YEAR)
    return 2
