"""How the reader's locale writes numbers and dates, for a page's script to write them as the page does.

Browsers do not all know every locale's data (Debian's Chromium writes Kazakh dates as "2027 M04 20" and
groups numbers with commas), so a script that shows a number or a date the server also shows reads
Babel's data from here (static/js/act-confirm.js, through templates/_macros/act_confirm.html).
"""

from __future__ import annotations

from flask_babel import get_locale


def page_formats() -> dict:
    """The current locale's digit group separator, its long date and short time patterns (CLDR, as
    flask_babel's `dateformat`/`timeformat` filters use them), the month names and the day periods."""
    locale = get_locale()
    symbols = locale.number_symbols
    symbols = symbols.get("latn", symbols)  # Babel 2.14 keys them by numbering system
    periods = locale.day_periods.get("format", {}).get("abbreviated", {})
    return {
        "group": symbols.get("group", ","),
        "date": locale.date_formats["long"].pattern,
        "time": locale.time_formats["short"].pattern,
        "months": [locale.months["format"]["wide"][n] for n in range(1, 13)],
        "periods": [periods.get("am", "AM"), periods.get("pm", "PM")],
    }
