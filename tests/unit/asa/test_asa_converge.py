"""converge() against a fake AsaCli: no-op sends nothing, rollback, drops, save check, secrets."""

from __future__ import annotations

import json

from homeshift.asa.config import diff, inverse, parse_running_config, render_config
from homeshift.asa.converge import converge
from homeshift.asa.resources.pools import Pool

from .conftest import CLUSTER_KEY, FakeCli, desired

CONVERGED = "hostname asa-01\n" + "\n".join(render_config(desired())) + "\n"


def test_no_change_sends_nothing_and_does_not_save(fake: FakeCli) -> None:
    fake.running = CONVERGED
    result = converge(fake, desired(), "merged")
    assert not result.changed and not result.failed
    assert fake.configured == [] and fake.saves == 0
    assert result.lines_sent == 0 and result.commands == []


def test_change_is_pushed_once_then_saved_and_read_back(fake: FakeCli) -> None:
    fake.after_configure = CONVERGED
    result = converge(fake, desired(), "merged")
    assert result.changed and result.saved and not result.failed
    assert fake.configured == [diff(desired(), parse_running_config(""), "merged")]
    assert fake.saves == 1
    assert result.after == desired().to_dict()
    assert result.lines_sent == len(fake.configured[0])


def test_check_mode_returns_commands_without_touching_the_device(fake: FakeCli) -> None:
    result = converge(fake, desired(), "merged", check_mode=True)
    assert result.changed and result.commands
    assert fake.configured == [] and fake.saves == 0


def test_rejected_line_rolls_back_applied_prefix_and_never_saves(fake: FakeCli) -> None:
    fake.reject_at = 9
    result = converge(fake, desired(), "merged")
    pushed = fake.configured[0]
    assert result.failed and result.rolled_back and not result.saved
    assert fake.saves == 0
    assert fake.configured[1] == inverse(pushed[:9], parse_running_config(fake.running))
    assert "ERROR: rejected" in result.msg and pushed[9].strip() in result.msg
    assert "rolled back 9 applied line(s)" in result.msg


def test_rejection_of_first_line_needs_no_rollback_lines(fake: FakeCli) -> None:
    fake.reject_at = 0
    result = converge(fake, desired(), "merged")
    assert result.failed and result.rolled_back
    assert fake.configured[1] == []


def test_dropped_session_fails_without_saving(fake: FakeCli) -> None:
    fake.drop_on_configure = True
    result = converge(fake, desired(), "merged")
    assert result.failed and not result.saved and fake.saves == 0
    assert "connection dropped" in result.msg and "next run converges" in result.msg


def test_save_without_ok_fails_the_run(fake: FakeCli) -> None:
    fake.save_output = "Building configuration...\n[FAILED]"
    result = converge(fake, desired(), "merged")
    assert result.failed and not result.saved and result.changed
    assert "[OK]" in result.msg


def test_invalid_pools_refused_before_anything_is_sent(fake: FakeCli) -> None:
    neighbour = Pool.from_dict(
        {"name": "HS-POOL-ASA-02", "first": "10.64.17.0", "last": "10.64.17.9"}
    )
    result = converge(fake, desired(), "merged", other_pools=[neighbour])
    assert result.failed and "refused before sending anything" in result.msg
    assert fake.configured == []
    small = desired(sessiondb={"max_anyconnect_premium_or_essentials_limit": 100000})
    assert converge(fake, small, "merged").failed
    assert fake.configured == []


def test_unparseable_running_config_fails_with_the_line(fake: FakeCli) -> None:
    fake.running = "group-policy X attributes\n what-is-this 1\n"
    result = converge(fake, desired(), "merged")
    assert result.failed and "line 2" in result.msg and "what-is-this" in result.msg
    assert fake.configured == []


def test_secret_never_in_the_result(fake: FakeCli) -> None:
    fake.after_configure = CONVERGED
    result = converge(fake, desired(), "merged")
    assert any(CLUSTER_KEY in line for line in fake.configured[0])  # on the wire only
    assert CLUSTER_KEY not in json.dumps(result.to_dict())
    fake2 = FakeCli()
    fake2.reject_at = len(fake.configured[0]) - 1
    rolled = converge(fake2, desired(), "merged")
    assert rolled.rolled_back
    assert CLUSTER_KEY not in json.dumps(rolled.to_dict())
