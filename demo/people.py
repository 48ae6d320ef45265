"""Synthetic residents with valid IINs and plausible Kazakh names (demo data and load tests)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from auth.iin import make

MALE_NAMES = (
    "Нұрлан", "Ерлан", "Асқар", "Бауыржан", "Дәулет", "Арман", "Мақсат", "Қайрат", "Серік",
    "Ержан", "Айдос", "Нұрсұлтан", "Алихан", "Темірлан", "Руслан", "Әлішер", "Бекзат", "Жандос",
)
FEMALE_NAMES = (
    "Айгерім", "Гүлнар", "Динара", "Жанар", "Ляззат", "Мөлдір", "Сәуле", "Әсем", "Ақбота",
    "Аружан", "Жұлдыз", "Гүлмира", "Назерке", "Томирис", "Дана", "Мадина", "Салтанат", "Іңкәр",
)
# Surnames with a Russian-style ending take -а for women; the others stay as they are.
SURNAMES = (
    "Сейтқалиев", "Жақсыбеков", "Әбдірахманов", "Нұрланов", "Төлеуов", "Қасымов", "Омаров",
    "Ахметов", "Байжанов", "Смағұлов", "Ержанов", "Құрманов", "Мұқанов", "Исабеков",
    "Оспанов", "Тұрсынов", "Жұмабаев", "Сәрсенбаев", "Серікбаев", "Иманбаев",
)
PATRONYMIC_ROOTS = ("Нұрлан", "Серік", "Қайрат", "Ерлан", "Асқар", "Мақсат", "Дәулет")


def surname_for(root: str, sex: str) -> str:
    if sex == "F" and root.endswith(("ов", "ев", "ин")):
        return root + "а"
    return root


def patronymic_for(father: str, sex: str) -> str:
    return f"{father}{'ұлы' if sex == 'M' else 'қызы'}"


def random_person(rng: random.Random, kato: str, birth_date: date, taken: set[str]) -> dict:
    """One registry row whose IIN is valid and not in `taken` (which it joins)."""
    sex = rng.choice("MF")
    while True:
        iin = make(birth_date, sex, rng.randrange(0, 10000))
        if iin not in taken:
            taken.add(iin)
            break
    return {
        "iin": iin,
        "surname": surname_for(rng.choice(SURNAMES), sex),
        "given_name": rng.choice(MALE_NAMES if sex == "M" else FEMALE_NAMES),
        "patronymic": patronymic_for(rng.choice(PATRONYMIC_ROOTS), sex),
        "kato": kato,
    }


def birth_date_for_age(rng: random.Random, today: date, min_age: int, max_age: int) -> date:
    """A birth date giving a full age in [min_age, max_age] on `today`."""
    day = min(today.day, 28)  # keeps 29 Feb out of the arithmetic
    latest = date(today.year - min_age, today.month, day)
    earliest = date(today.year - max_age - 1, today.month, day) + timedelta(days=1)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def synthetic_adults(
    count: int, kato: str, taken: set[str], today: date, batch_size: int = 500, seed: int | None = None
) -> Iterator[list[dict]]:
    """`count` adults (18–80) resident in `kato`, in batches; IINs avoid `taken`."""
    rng = random.Random(seed)
    batch: list[dict] = []
    for _ in range(count):
        born = birth_date_for_age(rng, today, 18, 80)
        batch.append(random_person(rng, kato, born, taken))
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch
