"""Plain-text rendering of harness results: one line per check, details and logs indented."""

from __future__ import annotations

from collections.abc import Sequence

from composekit.testing.results import Outcome, RunReport, Status, count

_COLORS = {Status.PASS: "\033[32m", Status.FAIL: "\033[31m", Status.SKIP: "\033[33m"}
_RESET = "\033[0m"
INDENT = "      "


def format_outcome(outcome: Outcome, *, color: bool = False) -> str:
    """``PASS  service web: healthy after 6.3s`` plus indented details and log lines."""
    label = f"{outcome.status.label:<4}"
    if color:
        label = f"{_COLORS[outcome.status]}{label}{_RESET}"
    lines = [f"{label}  {outcome.name}: {outcome.message}"]
    if outcome.failed:
        lines.extend(f"{INDENT}{ln}" for ln in outcome.details.splitlines())
    if outcome.logs:
        lines.append(f"{INDENT}--- last log lines of {outcome.service} ---")
        lines.extend(f"{INDENT}| {ln}" for ln in outcome.logs.splitlines())
    return "\n".join(lines)


def format_extra_logs(logs: dict[str, str], shown: set[str]) -> str:
    """Logs of services that failed without a failing check of their own."""
    out = []
    for service, text in sorted(logs.items()):
        if service in shown or not text:
            continue
        out.append(f"{INDENT}--- last log lines of {service} (unhealthy or exited) ---")
        out.extend(f"{INDENT}| {ln}" for ln in text.splitlines())
    return "\n".join(out)


def format_summary(report: RunReport) -> str:
    """``fixtures/hitcounter: 11 checks: 11 passed, 0 failed, 0 skipped in 9.8s``."""
    counts = count(report.outcomes)
    parts = [f"{counts[Status.PASS]} passed", f"{counts[Status.FAIL]} failed"]
    if counts[Status.SKIP]:
        parts.append(f"{counts[Status.SKIP]} skipped")
    verdict = "ok" if report.ok else "FAILED"
    if report.interrupted:
        verdict = "INTERRUPTED"
    elif report.usage_error:
        verdict = "NOT RUN"
    project = f" (project {report.project_name})" if report.project_name else ""
    return (f"{report.label}{project}: {verdict}, {len(report.outcomes)} checks: "
            f"{', '.join(parts)} in {report.duration:.1f}s")


def shown_services(outcomes: Sequence[Outcome]) -> set[str]:
    return {o.service for o in outcomes if o.logs and o.service}
