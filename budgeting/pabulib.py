"""The frozen ballot file: an election in pabulib `.pb` format, byte-for-byte deterministic, and back."""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from budgeting.allocation import Project

# pabulib's own META order; keys not listed follow in alphabetical order
META_ORDER = (
    "description", "country", "unit", "subunit", "instance", "district", "comment", "num_projects",
    "num_votes", "budget", "vote_type", "rule", "date_begin", "date_end", "min_length", "max_length",
    "language", "currency",
)
PROJECT_COLUMNS = ("project_id", "cost", "votes", "name", "category", "target", "submitted_order")


@dataclass(frozen=True)
class PbFile:
    meta: dict[str, str]
    projects: list[dict[str, str]]  # by project_id; every value as written
    ballots: list[frozenset[int]]  # anonymous, in the file's (sorted) order

    def tally_input(self) -> tuple[list[Project], list[frozenset[int]], int]:
        """(projects, ballots, budget) as `budgeting.allocation` takes them, for anyone's recount."""
        projects = [
            Project(int(p["project_id"]), int(p["cost"]), int(p.get("submitted_order") or p["project_id"]))
            for p in self.projects
        ]
        return projects, list(self.ballots), int(self.meta["budget"])


def dump(meta: Mapping[str, Any], projects: Sequence[Mapping[str, Any]], ballots: Sequence[frozenset[int]]) -> str:
    """The `.pb` text: META, PROJECTS by id, VOTES with voters numbered in sorted ballot order.

    `projects` are given in submission order (that order is the last tie-break, so it is written as
    `submitted_order` unless a project carries its own). `num_projects`, `num_votes` and each
    project's `votes` are computed here. The same election always gives the same text.
    """
    known = [int(p["project_id"]) for p in projects]
    if len(set(known)) != len(known):
        raise ValueError("duplicate project_id")
    votes: Counter = Counter()
    for ballot in ballots:
        unknown = set(ballot) - set(known)
        if unknown:
            raise ValueError(f"ballot names unknown projects {sorted(unknown)}")
        votes.update(ballot)
    sorted_ballots = sorted(tuple(sorted(b)) for b in ballots)

    header = {**{k: v for k, v in meta.items() if v is not None}, "num_projects": len(known),
              "num_votes": len(sorted_ballots), "vote_type": meta.get("vote_type", "approval")}
    if header["vote_type"] != "approval":
        raise ValueError("only approval ballots are written")
    keys = [k for k in META_ORDER if k in header] + sorted(k for k in header if k not in META_ORDER)

    rows = []
    extra = sorted({k for p in projects for k in p} - set(PROJECT_COLUMNS))
    columns = [c for c in PROJECT_COLUMNS if c not in ("category", "target") or any(c in p for p in projects)]
    columns += extra
    for position, p in enumerate(projects):
        row = {**p, "votes": votes[int(p["project_id"])], "submitted_order": p.get("submitted_order", position)}
        rows.append((int(p["project_id"]), [_text(row.get(c, "")) for c in columns]))

    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerows([["META"], ["key", "value"]])
    w.writerows([k, _text(header[k])] for k in keys)
    w.writerows([["PROJECTS"], columns])
    w.writerows(row for _, row in sorted(rows))
    w.writerows([["VOTES"], ["voter_id", "vote"]])
    w.writerows([i, ",".join(map(str, b))] for i, b in enumerate(sorted_ballots, start=1))
    return out.getvalue()


def sha256(pb_text: str) -> str:
    """The SHA-256 published with the result: of the file's UTF-8 bytes, exactly as served."""
    return hashlib.sha256(pb_text.encode("utf-8")).hexdigest()


def load(pb_text: str) -> PbFile:
    """Read an approval `.pb` file (ours or any pabulib one with integer project ids)."""
    meta: dict[str, str] = {}
    projects: list[dict[str, str]] = []
    ballots: list[frozenset[int]] = []
    section, header = "", []
    for row in csv.reader(io.StringIO(pb_text, newline=""), delimiter=";"):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) == 1 and row[0].strip().lower() in ("meta", "projects", "votes"):
            section, header = row[0].strip().lower(), []
            continue
        if not header:
            header = [h.strip() for h in row]
            continue
        record = dict(zip(header, (v.strip() for v in row)))
        if section == "meta":
            meta[record["key"]] = record.get("value", "")
        elif section == "projects":
            projects.append(record)
        elif section == "votes":
            ballots.append(frozenset(int(i) for i in record.get("vote", "").split(",") if i.strip()))
    if meta.get("vote_type") != "approval":
        raise ValueError("only approval ballots are supported")
    return PbFile(meta, projects, ballots)


def _text(value: Any) -> str:
    # pabulib readers split lines before parsing CSV and strip every field, so a field may neither
    # span lines nor keep surrounding spaces.
    return " ".join(str(value).split())
