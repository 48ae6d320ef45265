"""A state body's name in Kazakh, Russian and English: the Government, or a local akimat or maslikhat of
a region or city, named with its territory ("Ақмола облысының әкімдігі", "Акимат Акмолинской области").

Shared by what names a body: the body record (petitions/body_statistics.py) and an official's role
(auth/labels.py). No query: the territory is passed in."""

from __future__ import annotations

from kernel.territories import UNNAMED, Territory

GOVERNMENT = "government"
GOVERNMENT_NAMES = (
    "Қазақстан Республикасының Үкіметі",
    "Правительство Республики Казахстан",
    "Government of the Republic of Kazakhstan",
)
# (Kazakh, Russian, English) phrase of a local body; {of} is the territory's name as "of" needs it.
LOCAL_NAMES = {
    "region_akimat": ("{of} әкімдігі", "Акимат {of}", "Akimat of {of}"),
    "region_maslikhat": ("{of} мәслихаты", "Маслихат {of}", "Maslikhat of {of}"),
    "city_akimat": ("{of} әкімдігі", "Акимат {of}", "Akimat of {of}"),
    "city_maslikhat": ("{of} мәслихаты", "Маслихат {of}", "Maslikhat of {of}"),
}
LOCALES = ("kk", "ru", "en")
_KK_BACK_VOWELS, _KK_FRONT_VOWELS = "аоұыу", "әеөүіи"


def kk_genitive(name: str) -> str:
    """A territory's name as "of" needs it in Kazakh: "Ақмола облысы" → "Ақмола облысының". Names end in a
    vowel (облысы, қаласы), which takes -ның or -нің by vowel harmony; any other ending is left as it
    is: a fixed phrase, no grammar engine."""
    last = name[-1:].lower()
    if last in _KK_BACK_VOWELS:
        return name + "ның"
    if last in _KK_FRONT_VOWELS:
        return name + "нің"
    return name


def ru_genitive(name: str) -> str:
    """A territory's name as "of" needs it in Russian: "Акмолинская область" → "Акмолинской области",
    "область Абай" → "области Абай", "город Астана" → "города Астана", the three shapes of region and
    city names; any other is put in brackets after the body."""
    words = name.split(" ")
    if len(words) >= 2 and words[-1] == "область" and words[-2].endswith("ая"):
        return " ".join([*words[:-2], words[-2][:-2] + "ой", "области"])
    if words[0] == "область":
        return " ".join(["области", *words[1:]])
    if words[0] == "город":
        return " ".join(["города", *words[1:]])
    return f"({name})"


def body_names(addressee: str, territory: Territory | None, kato: str | None = None) -> tuple[str, str, str]:
    """The body's name in Kazakh, Russian and English. A local body whose territory the registry lacks
    is named with the phrase for its code (`kato`), never as another body."""
    if addressee == GOVERNMENT or (territory is None and kato is None):
        return GOVERNMENT_NAMES
    kk, ru, en = LOCAL_NAMES[addressee]
    if territory is None:
        unnamed = {locale: UNNAMED[locale].format(code=kato) for locale in LOCALES}
        return (
            kk.format(of=kk_genitive(unnamed["kk"])),
            ru.format(of=ru_genitive(unnamed["ru"])),
            en.format(of=unnamed["en"]),
        )
    return (
        kk.format(of=kk_genitive(territory.name_kk)),
        ru.format(of=ru_genitive(territory.name_ru)),
        en.format(of=territory.name_en or territory.name_kk),
    )


def body_name(addressee: str, territory: Territory | None, kato: str | None, locale: str) -> str:
    """`body_names` in one language (kk, ru or en; another reads Kazakh)."""
    names = body_names(addressee, territory, kato)
    return names[LOCALES.index(locale)] if locale in LOCALES else names[0]
