"""Provisioning with a fake transport: one run, targeted 1618 retries, red desktops, secrets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from homeshift.windows import agent
from homeshift.windows.provision import (
    BusyRetryPolicy,
    ansible_result,
    gather_facts,
    preflight_verdict,
    provision,
)
from homeshift.windows.resources import ComplianceCheck, Document, File, MsiPackage, Service
from homeshift.windows.transport import CommandResult, UnreachableError

CODE = "{BE8F3867-5727-5EDC-8E72-452069ABBE61}"
CORE = MsiPackage(
    "vpn-core", CODE, "5.1.4.74", "Cisco Secure Client", "\\\\fs01\\d\\core.msi", stop_on_error=True
)
SVC = Service("vpn-service", "csc_vpnagent")
PROFILE = File.from_text("vpn-profile", "C:\\ProgramData\\p.xml", "<new/>\n")
SECRET = "Sup3r-Secret-Pw"


def _ok(resource: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": resource["id"],
        "type": resource["type"],
        "changed": True,
        "skipped": False,
        "before": {},
        "after": {},
        "reboot_required": False,
        "error": None,
        "exit_code": None,
        "retryable": False,
        **extra,
    }


class FakeTransport:
    """Runs a Python 'agent' over the decoded stdin document."""

    def __init__(self, agent_fn: Callable[[dict[str, Any], int], list[dict[str, Any]]]) -> None:
        self.agent_fn = agent_fn
        self.documents: list[dict[str, Any]] = []

    def run(self, command: str, arguments: list[str], stdin: bytes) -> CommandResult:
        assert arguments[-1] == agent.encoded_command()
        script, _, doc = stdin.decode().partition(agent.SEPARATOR)
        assert script.startswith(agent.MARKER)
        document = json.loads(doc)
        self.documents.append(document)
        results = self.agent_fn(document, len(self.documents))
        line = {
            "contract": 1,
            "hostname": "BER-D1",
            "check_mode": document["check_mode"],
            "results": results,
            "facts": {"hostname": "BER-D1"} if document["gather_facts"] else {},
        }
        return CommandResult(b"HOMESHIFT-RESULT " + json.dumps(line).encode(), b"", 0)


def _run(transport: Any, *resources: Any, check: bool = False) -> Any:
    return provision(
        "BER-D1",
        transport,
        Document(tuple(resources), check_mode=check, diff=True),
        busy_retry=BusyRetryPolicy(attempts=3, initial_delay=0.01),
        sleep=lambda _s: None,
        secrets=(SECRET,),
    )


def test_converged_run_is_one_agent_invocation() -> None:
    transport = FakeTransport(lambda doc, n: [_ok(r, changed=False) for r in doc["resources"]])
    outcome = _run(transport, CORE, SVC)
    assert outcome.agent_runs == 1
    assert len(transport.documents) == 1
    assert outcome.changed is False
    assert outcome.failed is False
    assert outcome.diffs == ()
    assert "0 resource(s) changed" in outcome.msg


def test_1618_retries_only_failing_and_skipped_resources() -> None:
    def agent_fn(doc: dict[str, Any], n: int) -> list[dict[str, Any]]:
        if n == 1:
            return [
                _ok(
                    doc["resources"][0], changed=False, error="busy", exit_code=1618, retryable=True
                ),
                _ok(doc["resources"][1], changed=False, skipped=True),
            ]
        return [_ok(r) for r in doc["resources"]]

    transport = FakeTransport(agent_fn)
    outcome = _run(transport, CORE, SVC)
    assert outcome.failed is False
    assert outcome.agent_runs == 2
    assert [r["id"] for r in transport.documents[1]["resources"]] == ["vpn-core", "vpn-service"]
    assert transport.documents[1]["gather_facts"] is False
    assert outcome.changed is True
    assert outcome.facts == {"hostname": "BER-D1"}  # kept from the first run


def test_1618_that_never_clears_fails_after_the_retries() -> None:
    transport = FakeTransport(
        lambda doc, n: [
            _ok(r, changed=False, error="another installation", exit_code=1618, retryable=True)
            for r in doc["resources"]
        ]
    )
    outcome = _run(transport, CORE)
    assert outcome.failed is True
    assert outcome.agent_runs == 4
    assert "vpn-core (msi_package): another installation [exit 1618]" in outcome.msg


def test_3010_reports_reboot_required() -> None:
    transport = FakeTransport(
        lambda doc, n: [_ok(r, reboot_required=True, exit_code=3010) for r in doc["resources"]]
    )
    outcome = _run(transport, CORE)
    assert outcome.reboot_required is True
    assert outcome.failed is False
    assert "reboot required" in outcome.msg


def test_1603_fails_with_log_excerpt_and_no_retry() -> None:
    excerpt = "MSI (s) (7C:2C) Note: 1: 1708\nAction ended: InstallFinalize. Return value 3."
    transport = FakeTransport(
        lambda doc, n: (
            [
                _ok(
                    doc["resources"][0],
                    changed=False,
                    error="fatal error during installation",
                    exit_code=1603,
                    log_excerpt=excerpt,
                )
            ]
            + [_ok(r, changed=False, skipped=True) for r in doc["resources"][1:]]
        )
    )
    outcome = _run(transport, CORE, SVC)
    assert outcome.failed is True
    assert outcome.agent_runs == 1
    assert "Return value 3" in outcome.msg
    assert "skipped after a stop_on_error failure: vpn-service" in outcome.msg


def test_check_mode_diff_holds_profile_text() -> None:
    transport = FakeTransport(
        lambda doc, n: [
            _ok(
                r,
                before={"exists": True, "content": "<old/>\n"},
                after={"exists": True, "content": "<new/>\n"},
            )
            for r in doc["resources"]
        ]
    )
    outcome = _run(transport, PROFILE, check=True)
    assert transport.documents[0]["check_mode"] is True
    assert outcome.diffs[0]["before"] == "<old/>\n"
    assert outcome.diffs[0]["after"] == "<new/>\n"
    assert "-<old/>" in outcome.diff_text
    assert "would change" in outcome.msg


def test_non_compliant_desktop_is_red_not_failed() -> None:
    check = ComplianceCheck("bitlocker-protected", "bitlocker_protected", mount_point="C:")
    transport = FakeTransport(
        lambda doc, n: [
            _ok(r, changed=False, compliant=False, observed="Off") for r in doc["resources"]
        ]
    )
    outcome = _run(transport, check)
    assert outcome.failed is False
    assert outcome.red is True
    assert outcome.red_reasons == (
        "bitlocker-protected: bitlocker_protected not met (observed 'Off')",
    )
    assert "NOT COMPLIANT" in outcome.msg


def test_secrets_are_masked_in_messages() -> None:
    transport = FakeTransport(
        lambda doc, n: [
            _ok(r, changed=False, error=f"logon failure for password {SECRET}")
            for r in doc["resources"]
        ]
    )
    outcome = _run(transport, SVC)
    assert SECRET not in outcome.msg
    assert SECRET not in outcome.diff_text
    assert "********" in outcome.msg


def test_unreachable_is_reported_not_raised() -> None:
    class Down:
        def run(self, command: str, arguments: list[str], stdin: bytes) -> CommandResult:
            raise UnreachableError("127.2.0.9:5986: cannot connect to WinRM: connection refused")

    outcome = _run(Down(), SVC)
    assert outcome.failed is True
    assert outcome.unreachable is True
    assert "connection refused" in outcome.msg


def test_garbage_output_is_a_failure_with_stderr() -> None:
    class Garbage:
        def run(self, command: str, arguments: list[str], stdin: bytes) -> CommandResult:
            return CommandResult(b"", b"powershell.exe : not recognized", 1)

    outcome = _run(Garbage(), SVC)
    assert outcome.failed is True
    assert "not recognized" in outcome.msg


def test_gather_facts_sends_no_resources() -> None:
    transport = FakeTransport(lambda doc, n: [])
    outcome = gather_facts("BER-D1", transport)
    assert transport.documents[0]["resources"] == []
    assert transport.documents[0]["gather_facts"] is True
    assert outcome.facts["hostname"] == "BER-D1"
    assert preflight_verdict(outcome) == ("ok", "")


BUILD = ComplianceCheck("os-build", "os_build_min", build=19045)
DISK = ComplianceCheck("free-disk", "free_disk_gb_min", drive="C:", gb=10.0)


def test_preflight_checks_run_read_only_and_a_red_desktop_fails_its_preflight() -> None:
    observed = {"os-build": 17763, "free-disk": 42.0}
    transport = FakeTransport(
        lambda doc, n: [
            _ok(
                r,
                changed=False,
                compliant=r["id"] == "free-disk",
                observed=observed[r["id"]],
            )
            for r in doc["resources"]
        ]
    )
    outcome = gather_facts("BER-D1", transport, checks=(BUILD, DISK))
    sent = transport.documents[0]
    assert [r["id"] for r in sent["resources"]] == ["os-build", "free-disk"]
    assert sent["check_mode"] is True and sent["gather_facts"] is True
    assert preflight_verdict(outcome) == (
        "failed",
        "BER-D1: not ready: os-build: os_build_min not met (observed 17763)",
    )


def test_preflight_verdict_unreachable_and_failed_carry_the_message() -> None:
    class Down:
        def run(self, command: str, arguments: list[str], stdin: bytes) -> CommandResult:
            raise UnreachableError("127.2.0.9:5986: cannot connect to WinRM: connection refused")

    status, reason = preflight_verdict(gather_facts("BER-D1", Down(), checks=(BUILD,)))
    assert status == "unreachable" and "connection refused" in reason
    broken = FakeTransport(
        lambda doc, n: [_ok(r, changed=False, error="WMI failed") for r in doc["resources"]]
    )
    status, reason = preflight_verdict(gather_facts("BER-D1", broken, checks=(BUILD,)))
    assert status == "failed" and "WMI failed" in reason


def test_ansible_result_lists_only_notable_resources_unless_asked() -> None:
    """Unchanged, compliant resources are ids only: the controller keeps every result all run."""
    transport = FakeTransport(
        lambda doc, n: [_ok(r, changed=r["id"] == "vpn-profile") for r in doc["resources"]]
    )
    outcome = _run(transport, CORE, SVC, PROFILE)
    short = ansible_result(outcome, with_diff=False)
    assert [r["id"] for r in short["results"]] == ["vpn-profile"]
    assert short["unchanged_resources"] == ["vpn-core", "vpn-service"]
    assert short["changed_resources"] == ["vpn-profile"]
    full = ansible_result(outcome, with_diff=False, all_results=True)
    assert [r["id"] for r in full["results"]] == ["vpn-core", "vpn-service", "vpn-profile"]
