"""One desktop, one agent run: build the document, run it, retry 1618, explain the outcome.

The Ansible action plugins are thin adapters over :func:`provision` and :func:`gather_facts`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from homeshift.windows import agent
from homeshift.windows.redact import redact
from homeshift.windows.resources import Document, Resource
from homeshift.windows.results import AgentResult, ResourceResult, ResultFormatError
from homeshift.windows.transport import TransportError, WinRMTransport


@dataclass(frozen=True)
class BusyRetryPolicy:
    """Retries for msiexec 1618 (another installation in progress): only the failing resources."""

    attempts: int = 3
    initial_delay: float = 10.0
    factor: float = 2.0

    def delay(self, retry: int) -> float:
        return self.initial_delay * self.factor ** (retry - 1)


@dataclass(frozen=True)
class ProvisionOutcome:
    """Everything the caller reports about one desktop after one play."""

    host: str
    changed: bool
    reboot_required: bool
    failed: bool
    msg: str
    results: tuple[ResourceResult, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    diff_text: str = ""
    diffs: tuple[dict[str, str], ...] = ()
    agent_runs: int = 0
    transport_attempts: int = 0
    red_reasons: tuple[str, ...] = ()
    unreachable: bool = False

    @property
    def red(self) -> bool:
        """Non-compliant (for example unencrypted): must not leave the building."""
        return bool(self.red_reasons)


def _run_agent(transport: WinRMTransport, document: Document) -> tuple[AgentResult, int]:
    command, arguments = agent.command_line()
    result = transport.run(command, arguments, agent.build_stdin(document))
    try:
        parsed = agent.parse_result(result.stdout, exit_code=result.exit_code)
    except ResultFormatError as exc:
        stderr = result.stderr.decode("utf-8", errors="replace").strip()
        detail = f"; stderr: {stderr[-400:]}" if stderr else ""
        raise ResultFormatError(f"{exc}{detail}") from None
    return parsed, result.attempts


def _merge(first: AgentResult, retry: AgentResult) -> AgentResult:
    replaced = {r.id: r for r in retry.results}
    results = tuple(replaced.get(r.id, r) for r in first.results)
    return AgentResult(
        hostname=first.hostname,
        check_mode=first.check_mode,
        changed=any(r.changed for r in results),
        reboot_required=any(r.reboot_required for r in results),
        failed=any(r.failed for r in results),
        document_error=retry.document_error,
        results=results,
        facts=first.facts,
        exit_code=retry.exit_code,
    )


def _value_lines(data: Mapping[str, Any]) -> str:
    return "".join(f"{k}: {data[k]!r}\n" for k in sorted(data) if k != "content")


def _diff_entry(resource: Resource | None, result: ResourceResult) -> dict[str, str]:
    name = getattr(resource, "path", None) or result.id
    before_content = result.before.get("content")
    after_content = result.after.get("content")
    if isinstance(after_content, str):
        before_text = before_content if isinstance(before_content, str) else ""
        after_text = after_content
    else:
        before_text, after_text = _value_lines(result.before), _value_lines(result.after)
    return {
        "before_header": f"{result.type} {name} (before)",
        "after_header": f"{result.type} {name} (after)",
        "before": before_text,
        "after": after_text,
    }


def _failure_message(host: str, result: AgentResult) -> str:
    if result.document_error:
        return f"{host}: the agent rejected the document: {result.document_error}"
    parts = []
    for r in result.errors:
        line = f"{r.id} ({r.type}): {r.error}"
        if r.exit_code is not None and str(r.exit_code) not in line:
            line += f" [exit {r.exit_code}]"
        if r.log_excerpt:
            line += f"\ninstaller log excerpt:\n{r.log_excerpt}"
        parts.append(line)
    skipped = [r.id for r in result.results if r.skipped]
    if skipped:
        parts.append(f"skipped after a stop_on_error failure: {', '.join(skipped)}")
    return f"{host}: {len(result.errors)} resource(s) failed: " + "\n".join(parts)


def provision(
    host: str,
    transport: WinRMTransport,
    document: Document,
    busy_retry: BusyRetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    secrets: tuple[str, ...] = (),
) -> ProvisionOutcome:
    """Apply ``document`` to one desktop with one agent run (plus targeted 1618 retries)."""
    policy = busy_retry or BusyRetryPolicy()
    by_id: dict[str, Resource] = {r.id: r for r in document.resources}
    runs = attempts = 0
    try:
        result, used = _run_agent(transport, document)
        runs, attempts = 1, used
        retry = 0
        while retry < policy.attempts and any(r.retryable for r in result.errors):
            retry += 1
            sleep(policy.delay(retry))
            again = {r.id for r in result.results if r.retryable or r.skipped}
            retried, used = _run_agent(transport, document.only(again))
            runs, attempts = runs + 1, attempts + used
            result = _merge(result, retried)
    except TransportError as exc:
        from homeshift.windows.transport import UnreachableError

        return ProvisionOutcome(
            host=host,
            changed=False,
            reboot_required=False,
            failed=True,
            msg=redact(str(exc), secrets),
            agent_runs=runs,
            transport_attempts=attempts,
            unreachable=isinstance(exc, UnreachableError),
        )
    except ResultFormatError as exc:
        return ProvisionOutcome(
            host=host,
            changed=False,
            reboot_required=False,
            failed=True,
            msg=redact(f"{host}: unusable agent output: {exc}", secrets),
            agent_runs=runs,
            transport_attempts=attempts,
        )

    changed = [r for r in result.results if r.changed]
    diff_lines = []
    for r in result.results:
        resource = by_id.get(r.id)
        if resource is not None and (r.changed or r.failed or r.compliant is False):
            diff_lines.append(resource.describe_diff(r))
    red = tuple(
        f"{r.id}: {getattr(by_id.get(r.id), 'check', r.type)} not met (observed {r.observed!r})"
        for r in result.results
        if r.compliant is False
    )
    failed = result.failed or result.document_error is not None
    verb = "would change" if document.check_mode else "changed"
    msg = (
        _failure_message(host, result)
        if failed
        else (
            f"{host}: {len(changed)} resource(s) {verb}"
            + (", reboot required" if result.reboot_required else "")
            + (f"; NOT COMPLIANT: {'; '.join(red)}" if red else "")
        )
    )
    return ProvisionOutcome(
        host=host,
        changed=bool(changed),
        reboot_required=result.reboot_required,
        failed=failed,
        msg=redact(msg, secrets),
        results=result.results,
        facts=result.facts,
        diff_text=redact("\n".join(diff_lines), secrets),
        diffs=tuple(_diff_entry(by_id.get(r.id), r) for r in changed),
        agent_runs=runs,
        transport_attempts=attempts,
        red_reasons=red,
    )


def gather_facts(
    host: str,
    transport: WinRMTransport,
    secrets: tuple[str, ...] = (),
    checks: Sequence[Resource] = (),
) -> ProvisionOutcome:
    """Preflight: one agent run in check mode, facts plus the read-only ``checks``."""
    document = Document(resources=tuple(checks), check_mode=True, gather_facts=True)
    return provision(host, transport, document, secrets=secrets)


def preflight_verdict(outcome: ProvisionOutcome) -> tuple[str, str]:
    """``(status, reason)`` for the wave gate: ok, unreachable, or failed with the reason.

    A desktop whose checks are not met (red) fails its preflight: the gate holds its agent back
    with the reasons instead of moving it onto a desktop that is not ready.
    """
    if outcome.unreachable:
        return "unreachable", outcome.msg
    if outcome.failed:
        return "failed", outcome.msg
    if outcome.red:
        return "failed", f"{outcome.host}: not ready: {'; '.join(outcome.red_reasons)}"
    return "ok", ""


def notable(result: ResourceResult) -> bool:
    """Worth a full report: changed, failed, skipped, not compliant or needing a reboot."""
    return (
        result.changed
        or result.failed
        or result.skipped
        or result.compliant is False
        or result.reboot_required
    )


def ansible_result(
    outcome: ProvisionOutcome, with_diff: bool, all_results: bool = False
) -> dict[str, Any]:
    """The task result the action plugins return (no secrets; diff only when asked for).

    ``results`` holds the notable resources only, unless ``all_results``; the others are listed by
    id in ``unchanged_resources``. Ansible keeps every registered result in the controller for
    the whole run and forks each worker from that process: full results for 16,000 desktops
    grew it by about 36 KB per desktop and slowed every later fork (docs/benchmarks.md).
    """
    shown = [r for r in outcome.results if all_results or notable(r)]
    result: dict[str, Any] = {
        "changed": outcome.changed,
        "failed": outcome.failed,
        "msg": outcome.msg,
        "reboot_required": outcome.reboot_required,
        "results": [r.as_dict() for r in shown],
        "changed_resources": [r.id for r in outcome.results if r.changed],
        "unchanged_resources": [r.id for r in outcome.results if not notable(r)],
        "agent_runs": outcome.agent_runs,
        "transport_attempts": outcome.transport_attempts,
        "red": outcome.red,
        "red_reasons": list(outcome.red_reasons),
        "ansible_facts": {
            "homeshift_desktop_red": outcome.red,
            "homeshift_desktop_red_reasons": list(outcome.red_reasons),
            "homeshift_reboot_required": outcome.reboot_required,
        },
    }
    if outcome.facts:
        result["desktop_facts"] = dict(outcome.facts)
    if outcome.unreachable:  # Ansible counts it as unreachable (not failed) and goes on
        result["unreachable"] = True
        result.pop("failed")
    if with_diff and outcome.diffs:
        result["diff"] = [dict(d) for d in outcome.diffs]
    return result
