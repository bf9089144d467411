# Copyright: homeshift contributors; Apache-2.0
"""Documentation only: the work is done by the action plugin of the same name (controller side)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: wave_notify
short_description: Notify the team leads of a wave, once (dry-run .eml files or SMTP)
description:
  - Runs on the controller. Renders and sends one notice per team of the wave through
    C(homeshift.notify.send.notify_wave); see docs/state-and-notifications.md.
  - Without C(smtp_host) each notice is written as C(OUT_DIR/wave-N/<kind>__<recipient>.eml),
    once (a re-run leaves existing files alone). With C(smtp_host) the store claims each notice
    before sending, so a notice that was sent is never sent again.
  - The SMTP password is read from C($HOMESHIFT_SMTP_PASSWORD) only.
version_added: 0.1.0
author: homeshift contributors
options:
  wave:
    description: Wave number.
    type: int
    required: true
  plan_file:
    description: Plan file with waves.
    type: path
    required: true
  roster_file:
    description: Roster CSV (names and team-lead addresses).
    type: path
    required: true
  store_url:
    description: State store URL (default store when omitted).
    type: str
  date:
    description: Move day (YYYY-MM-DD); default today.
    type: str
  out_dir:
    description: Folder for dry-run .eml files.
    type: path
    default: out/notices
  config:
    description: Notification settings YAML (sender, helpdesk, offices).
    type: path
  languages:
    description: Languages of the notice (de, en).
    type: list
    elements: str
    default: [de]
  smtp_host:
    description: SMTP relay; when set, notices are sent instead of written.
    type: str
  smtp_port:
    description: SMTP port.
    type: int
    default: 25
  smtp_security:
    description: Connection security.
    type: str
    default: plain
    choices: [plain, starttls, ssl]
  smtp_user:
    description: SMTP AUTH user (password from C($HOMESHIFT_SMTP_PASSWORD)).
    type: str
attributes:
  check_mode:
    support: none
    description: Sends or writes notices.
"""

EXAMPLES = r"""
- name: Tell the team leads
  homeshift.core.wave_notify:
    wave: 3
    plan_file: plan.json
    roster_file: roster.csv
    date: "2026-12-07"
    out_dir: out/notices
"""

RETURN = r"""
summary:
  description: Notices per status (C(sent), C(dry_run), C(skipped), C(failed), C(in_doubt)).
  type: dict
  returned: always
written:
  description: .eml files written by this run (dry run only).
  type: list
  returned: dry run
"""
