# Copyright: homeshift contributors; Apache-2.0
"""Action: tell the wave's team leads, once - thin adapter over homeshift.notify.send.notify_wave.

Dry run (``.eml`` files under ``out_dir``) unless ``smtp_host`` is given; the SMTP password is
read from ``$HOMESHIFT_SMTP_PASSWORD`` only. The state store claims each notice before it is
sent, so a re-run sends nothing that went out already.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ansible_collections.homeshift.core.plugins.plugin_utils.action import HomeshiftAction, failed

from homeshift.migration.wave_run import WaveRunError, load_wave_inputs, notify
from homeshift.notify.config import NotifyConfigError
from homeshift.notify.render import TemplateError
from homeshift.notify.send import NotifyError
from homeshift.state.errors import StoreError
from homeshift.state.plan import PlanFileError

ARGUMENT_SPEC: dict[str, Any] = {
    "wave": {"type": "int", "required": True},
    "plan_file": {"type": "path", "required": True},
    "roster_file": {"type": "path", "required": True},
    "store_url": {"type": "str", "no_log": True},
    "date": {"type": "str"},
    "out_dir": {"type": "path", "default": "out/notices"},
    "config": {"type": "path"},
    "languages": {"type": "list", "elements": "str", "default": ["de"]},
    "smtp_host": {"type": "str"},
    "smtp_port": {"type": "int", "default": 25},
    "smtp_security": {
        "type": "str",
        "default": "plain",
        "choices": ["plain", "starttls", "ssl"],
    },
    "smtp_user": {"type": "str"},
}


class ActionModule(HomeshiftAction):
    _supports_check_mode = False
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(
        self, args: dict[str, Any], task_vars: dict[str, Any], result: dict[str, Any]
    ) -> dict[str, Any]:
        from homeshift.state.store import Store

        wave = args["wave"]
        try:
            when = date.fromisoformat(args["date"]) if args["date"] else date.today()
        except ValueError:
            result.update(failed=True, msg=f"wave {wave}: date {args['date']!r} is not YYYY-MM-DD")
            return result
        smtp = {
            "host": args["smtp_host"],
            "port": args["smtp_port"],
            "security": args["smtp_security"],
            "user": args["smtp_user"],
        }
        try:
            inputs = load_wave_inputs(args["plan_file"], args["roster_file"])
            with Store.open(args["store_url"]) as store:
                report = notify(
                    store,
                    inputs,
                    wave,
                    when,
                    out_dir=args["out_dir"],
                    smtp=smtp if args["smtp_host"] else None,
                    config_file=args["config"],
                    languages=args["languages"],
                )
        except (
            WaveRunError,
            NotifyError,
            NotifyConfigError,
            TemplateError,
            PlanFileError,
            StoreError,
        ) as exc:
            return failed(result, f"wave {wave}: {exc}")
        summary = report["summary"]
        new = summary.get("sent", 0) + len(report.get("written", []))
        ok = report.pop("ok")
        result.update(report)
        result.update(
            changed=new > 0,
            failed=not ok,
            msg=f"wave {wave} notices: "
            + ", ".join(f"{k} {v}" for k, v in sorted(summary.items()) if v),
        )
        return result
