"""How the reader's locale writes numbers and dates, for a page's script to write them as the page does.

Browsers do not all know every locale's data (Debian's Chromium writes Kazakh dates as "2027 M04 20" and
groups numbers with commas), so a script that shows a number or a date the server also shows reads
the server's ways from here (static/js/act-confirm.js, through templates/_macros/act_confirm.html):
the same as kernel/local_formats.py writes them on the page.
"""

from __future__ import annotations

from flask_babel import get_locale

from kernel import local_formats


def page_formats() -> dict:
    """The current locale's digit group separator, its day as a CLDR pattern and its short time pattern
    (as kernel/local_formats.py writes them, `day_label` and `time_label`), the month names and the day periods."""
    locale = get_locale()
    code = local_formats.locale_code(locale)
    periods = locale.day_periods.get("format", {}).get("abbreviated", {})
    return {
        "group": local_formats.number_signs(code).group,
        "date": local_formats.DAY_PATTERNS[code],
        "time": locale.time_formats["short"].pattern,
        "months": [local_formats.month_name(n, code) for n in range(1, 13)],
        "periods": [periods.get("am", "AM"), periods.get("pm", "PM")],
    }
