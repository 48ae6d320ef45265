"""The dependency audit fails on a finding and never passes an audit that checked nothing, when told."""

from __future__ import annotations

import json

from tools import dependency_audit

CLEAN = {"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []}], "fixes": []}
VULNERABLE = {
    "dependencies": [
        {"name": "flask", "version": "3.1.3", "vulns": []},
        {"name": "python-jose", "version": "3.3.0",
         "vulns": [{"id": "PYSEC-2024-232", "fix_versions": ["3.4.0"], "aliases": ["CVE-2024-33663"]}]},
    ],
    "fixes": [],
}
UNANSWERED = {"dependencies": [{"name": "flask", "skip_reason": "Dependency not found on PyPI"}], "fixes": []}


def test_a_known_vulnerability_fails_the_audit_and_names_the_fix():
    code, lines = dependency_audit.verdict(dependency_audit.read_report(VULNERABLE), require_data=False)
    assert code == 1
    assert any("python-jose 3.3.0: PYSEC-2024-232 (fixed in 3.4.0)" in line for line in lines)


def test_a_clean_report_passes():
    code, lines = dependency_audit.verdict(dependency_audit.read_report(CLEAN), require_data=True)
    assert code == 0
    assert "1 packages audited, 0 not audited, 0 known vulnerabilities" in lines[0]


def test_packages_the_service_could_not_answer_for_are_listed_and_fail_when_data_is_required():
    result = dependency_audit.read_report(UNANSWERED)
    code, lines = dependency_audit.verdict(result, require_data=False)
    assert code == 0 and any("WARNING: nothing could be audited" in line for line in lines)
    code, lines = dependency_audit.verdict(result, require_data=True)
    assert code == 1


def test_the_command_reads_a_saved_report(tmp_path, capsys):
    report = tmp_path / "audit.json"
    report.write_text(json.dumps(VULNERABLE))
    assert dependency_audit.main(["--report", str(report)]) == 1
    assert "VULNERABLE python-jose" in capsys.readouterr().out


def test_a_failed_or_hung_pip_audit_counts_as_nothing_audited(monkeypatch):
    import subprocess

    def failing(*_args, **_kwargs):
        return subprocess.CompletedProcess([], 2, stdout="", stderr="ConnectionError: the service is down")

    monkeypatch.setattr(dependency_audit.subprocess, "run", failing)
    result = dependency_audit.read_report(dependency_audit.run_pip_audit([]))
    assert result.audited == [] and "the service is down" in result.unaudited[0]
    assert dependency_audit.verdict(result, require_data=True)[0] == 1

    def hanging(*_args, **_kwargs):
        raise subprocess.TimeoutExpired("pip-audit", 1)

    monkeypatch.setattr(dependency_audit.subprocess, "run", hanging)
    assert "timed out" in dependency_audit.run_pip_audit([])["dependencies"][0]["skip_reason"]
