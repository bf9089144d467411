"""Test-only callback: every task result and the run stats as JSON (HOMESHIFT_RESULTS_FILE)."""

from __future__ import annotations

import json
import os
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: desktop_results
type: aggregate
short_description: Task results as JSON for the desktop lab tests
description: Writes task results and stats as JSON to the file named by HOMESHIFT_RESULTS_FILE.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "desktop_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self.tasks: list[dict[str, Any]] = []

    def _record(self, result: Any, status: str) -> None:
        self.tasks.append(
            {
                "host": result._host.get_name(),
                "task": result._task.get_name(),
                "status": status,
                "result": json.loads(json.dumps(result._result, default=str)),
            }
        )

    def v2_runner_on_ok(self, result: Any) -> None:
        self._record(result, "ok")

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._record(result, "failed")

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._record(result, "unreachable")

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._record(result, "skipped")

    def v2_playbook_on_stats(self, stats: Any) -> None:
        summary = {h: stats.summarize(h) for h in sorted(stats.processed)}
        custom = stats.custom.get("_run", {}) if hasattr(stats, "custom") else {}
        path = os.environ["HOMESHIFT_RESULTS_FILE"]
        with open(path, "w", encoding="utf-8") as handle:  # noqa: PTH123
            json.dump(
                {"tasks": self.tasks, "stats": summary, "custom": custom}, handle, default=str
            )
