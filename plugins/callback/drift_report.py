# Copyright: homeshift contributors; Apache-2.0
"""Callback: report what a convergence run changed (drift) - thin adapter over homeshift.drift."""

from __future__ import annotations

DOCUMENTATION = r"""
name: drift_report
type: aggregate
short_description: Writes a JSON drift report of everything a convergence run changed
description:
  - Scheduled convergence runs of C(playbooks/headends.yml) and C(playbooks/desktops.yml) should
    change nothing. Every changed task result is drift that the run repaired; this callback lists
    it per host (ASA commands, changed desktop resources) without any secret, writes it as JSON and
    prints a short summary at the end of the run.
  - Enable with C(callbacks_enabled = homeshift.core.drift_report) or
    C(ANSIBLE_CALLBACKS_ENABLED=homeshift.core.drift_report).
options:
  report_path:
    description: Where to write the JSON report.
    default: out/drift-report.json
    env:
      - name: HOMESHIFT_DRIFT_REPORT
    ini:
      - section: homeshift
        key: drift_report
    type: path
"""

from ansible.plugins.callback import CallbackBase

from homeshift.drift import DriftReport


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "homeshift.core.drift_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._report = DriftReport()

    def v2_playbook_on_start(self, playbook) -> None:  # type: ignore[no-untyped-def]
        self._report.playbook = playbook._file_name

    def v2_runner_on_ok(self, result) -> None:  # type: ignore[no-untyped-def]
        if result._result.get("changed"):
            self._report.add_changed(
                result._host.get_name(),
                result._task.get_name(),
                result._task.action,
                result._result,
            )

    def v2_runner_on_failed(self, result, ignore_errors=False) -> None:  # type: ignore[no-untyped-def]
        if not ignore_errors:
            self._report.failed_hosts.add(result._host.get_name())

    def v2_runner_on_unreachable(self, result) -> None:  # type: ignore[no-untyped-def]
        self._report.unreachable_hosts.add(result._host.get_name())

    def v2_playbook_on_stats(self, stats) -> None:  # type: ignore[no-untyped-def]
        path = self._report.write(self.get_option("report_path"))
        for line in self._report.summary_lines():
            self._display.display(line)
        self._display.display(f"drift report: {path}")
