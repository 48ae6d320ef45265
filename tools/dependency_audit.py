"""The dependency audit of `make test`: pip-audit over the pinned requirements, read strictly.

pip-audit asks a vulnerability service (PyPI's, by default) about every pinned package and its
dependencies. A finding fails the run. A package the service could not answer for is not a pass:
it is listed, and with `--require-data` (or DAUYS_AUDIT_REQUIRE_DATA=1, for a CI that reaches the
service) it fails the run too, so an audit that silently audited nothing cannot look green.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")
TIMEOUT_SECONDS = 600


@dataclass
class AuditResult:
    audited: list[str] = field(default_factory=list)
    unaudited: list[str] = field(default_factory=list)  # "name: why"
    findings: list[str] = field(default_factory=list)  # "name version: id (fix versions)"


def read_report(report: dict) -> AuditResult:
    """pip-audit's JSON report (`-f json`) as what passed, what could not be checked, what failed."""
    result = AuditResult()
    for dep in report.get("dependencies", []):
        name = dep.get("name", "?")
        if "skip_reason" in dep:
            result.unaudited.append(f"{name}: {dep['skip_reason']}")
            continue
        result.audited.append(name)
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
            result.findings.append(f"{name} {dep.get('version')}: {vuln.get('id')} (fixed in {fixes})")
    return result


def verdict(result: AuditResult, require_data: bool) -> tuple[int, list[str]]:
    """The exit code and the lines to print."""
    lines = [f"dependency audit: {len(result.audited)} packages audited, {len(result.unaudited)} not audited, "
             f"{len(result.findings)} known vulnerabilities"]
    lines += [f"  VULNERABLE {line}" for line in result.findings]
    if result.unaudited:
        lines.append("  the vulnerability service gave no answer for: "
                     + ", ".join(item.split(":", 1)[0] for item in result.unaudited))
    if result.findings:
        return 1, lines
    if result.unaudited and require_data:
        lines.append("  failing: --require-data is set and some packages could not be audited")
        return 1, lines
    if result.unaudited and not result.audited:
        lines.append("  WARNING: nothing could be audited from this machine (no vulnerability service reachable);"
                     " run `make audit` where PyPI's JSON API answers")
    return 0, lines


def run_pip_audit(requirements: list[Path]) -> dict:
    command = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "-f", "json"]
    for path in requirements:
        command += ["-r", str(path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"dependencies": [{"name": "*", "skip_reason": f"pip-audit timed out after {TIMEOUT_SECONDS} s"}]}
    if done.returncode not in (0, 1):  # 1: vulnerabilities found, reported in the JSON
        # The service (or the network) failed: nothing was audited, which --require-data refuses.
        why = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"dependencies": [{"name": "*", "skip_reason": f"pip-audit exited {done.returncode}: {why}"}]}
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, help="read this pip-audit JSON report instead of running pip-audit")
    parser.add_argument("--require-data", action="store_true",
                        default=os.environ.get("DAUYS_AUDIT_REQUIRE_DATA") == "1")
    args = parser.parse_args(argv)
    report = (json.loads(args.report.read_text()) if args.report
              else run_pip_audit([ROOT / name for name in REQUIREMENTS]))
    code, lines = verdict(read_report(report), args.require_data)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
