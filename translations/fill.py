"""Fill missing msgstr from a JSON file {msgid: {"kk": ..., "ru": ...}}; English copies the msgid.

Usage: python translations/fill.py new-strings.json   (after `make extract-messages`)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).parent


def main(path: str) -> int:
    wanted = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = 0
    for lang in ("kk", "ru", "en"):
        po = HERE / lang / "LC_MESSAGES" / "messages.po"
        with po.open(encoding="utf-8") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if not message.id or message.string:
                continue
            if lang == "en":
                message.string = message.id
            elif message.id in wanted:
                message.string = wanted[message.id][lang]
            else:
                missing += 1
                print(f"{lang}: no translation for {message.id!r}", file=sys.stderr)
        with po.open("wb") as handle:
            write_po(handle, catalog, width=76, omit_header=False, no_location=True)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
