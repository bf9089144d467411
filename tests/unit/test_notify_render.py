"""Rendering notices: move time, template overrides, strictness, settings validation."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from homeshift.notify.config import Helpdesk, NotifyConfigError, load_notify_config
from homeshift.notify.render import TemplateError, TemplateRenderer, de_date, move_time
from homeshift.roster import Shift


@pytest.mark.parametrize(
    ("shift", "expected"),
    [
        (Shift(time(6, 0), time(14, 30)), datetime(2026, 12, 7, 14, 45)),
        (Shift(time(14, 0), time(23, 50)), datetime(2026, 12, 8, 0, 5)),  # + 15 min past midnight
        (Shift(time(22, 0), time(6, 30)), datetime(2026, 12, 8, 6, 45)),  # crosses midnight
    ],
)
def test_move_time_is_shift_end_plus_15_minutes(shift: Shift, expected: datetime) -> None:
    assert move_time(date(2026, 12, 7), shift) == expected


def test_german_dates_do_not_depend_on_the_locale() -> None:
    assert de_date(date(2026, 3, 2)) == "Montag, 2. März 2026"


CONTEXT = {
    "wave": 3, "team": "HAM-T04", "site": "Hamburg", "office": "HAM-1", "shift": "08:00-16:30",
    "move_at": datetime(2026, 12, 9, 16, 45), "headcount": 12, "missing": [],
    "helpdesk": Helpdesk(), "signature": "Projektteam",
}  # fmt: skip


def test_shipped_templates_render_in_both_languages() -> None:
    message = TemplateRenderer().render("wave_notice", ("de", "en"), CONTEXT)
    assert message.language == "de+en"
    assert message.subject == (
        "Umzug ins Homeoffice: Team HAM-T04 (Welle 3) am Mittwoch, 9. Dezember 2026 / "
        "Move to home office: team HAM-T04 (wave 3) on Wednesday, 9 December 2026"
    )
    assert message.body.index("Guten Tag,") < message.body.index("Hello,")
    assert "ab 16:45 Uhr" in message.body and "from 16:45" in message.body


def test_template_folder_overrides_by_name_and_undefined_names_fail(tmp_path: Path) -> None:
    (tmp_path / "wave_notice.en.subject.j2").write_text("Wave {{ wave }} for {{ team }}\n")
    renderer = TemplateRenderer(tmp_path)
    message = renderer.render("wave_notice", ("en",), CONTEXT)
    assert message.subject == "Wave 3 for HAM-T04"
    assert "Please take home after the shift" in message.body  # body still the shipped one
    (tmp_path / "wave_notice.de.subject.j2").write_text("Welle {{ welle }}\n")
    with pytest.raises(TemplateError, match=r"wave_notice\.de\.subject\.j2.*welle"):
        renderer.render("wave_notice", ("de",), CONTEXT)
    with pytest.raises(TemplateError, match="'fr'"):
        renderer.render("wave_notice", ("fr",), CONTEXT)


def test_notify_settings_are_validated(tmp_path: Path) -> None:
    good = tmp_path / "notify.yml"
    good.write_text(
        "sender: Homeshift <hs@example.com>\nhelpdesk: {phone: '+49 1', email: d@example.com}\n"
        "offices: {BER-1: ber1@example.com}\n"
    )
    config = load_notify_config(good)
    assert config.helpdesk.phone == "+49 1" and config.offices == {"BER-1": "ber1@example.com"}
    bad = tmp_path / "bad.yml"
    bad.write_text("offices: {BER-1: not-an-address}\n")
    with pytest.raises(NotifyConfigError, match=r"offices\.BER-1"):
        load_notify_config(bad)
    bad.write_text("smtp_password: hunter2\n")
    with pytest.raises(NotifyConfigError, match="unknown key"):
        load_notify_config(bad)
