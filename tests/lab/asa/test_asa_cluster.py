"""Cluster director, placement and refusals, and the CLI session model, without SSH (fast)."""

from __future__ import annotations

from pathlib import Path

import pytest
from asa_lab_support import RAVPN_LINES, cluster_lines, make_headend

from homeshift.lab.asa import handlers  # noqa: F401  (registers the commands)
from homeshift.lab.asa.cluster import Cluster
from homeshift.lab.asa.component import bare_config
from homeshift.lab.asa.device import Headend
from homeshift.lab.asa.session import CliSession, load_config_text


def configure(device: Headend, lines: list[str]) -> list[str]:
    """Apply config lines through a privileged session; returns the lines' output."""
    cli = CliSession(device, None)
    cli.stack[0].mode = "priv"
    out = [cli.feed("configure terminal")]
    out += [cli.feed(line) for line in lines]
    cli.feed("end")
    return out


def pool_lines(index: int, size: int) -> list[str]:
    return [
        f"ip local pool POOL-A 10.{100 + index}.0.1-10.{100 + index}.0.{size} mask 255.255.255.0"
    ]


def vpn_headend(
    tmp_path: Path,
    index: int,
    priority: int,
    *,
    pool_size: int = 100,
    peers: int = 750,
    key: str = "k1",
) -> Headend:
    device = make_headend(tmp_path, index, peers)
    out = configure(
        device, pool_lines(index, pool_size) + RAVPN_LINES[1:] + cluster_lines(priority, key)
    )
    assert not [o for o in out if "ERROR" in o], out
    return device


def test_director_is_highest_priority_then_lowest_outside_address(tmp_path: Path) -> None:
    a, b, c = (vpn_headend(tmp_path, i, p) for i, p in enumerate([5, 9, 9]))
    director, members = Cluster([a, b, c]).members("198.51.100.200")
    assert director is b  # priority 9 beats 5; b's outside address is lower than c's
    assert members == [a, b, c]
    clusters = Cluster([a, b, c]).sessions()["clusters"]
    assert clusters == {
        "198.51.100.200": {"director": "asa-02", "members": ["asa-01", "asa-02", "asa-03"]}
    }


def test_member_with_other_cluster_key_is_left_out(tmp_path: Path) -> None:
    a = vpn_headend(tmp_path, 0, 9)
    b = vpn_headend(tmp_path, 1, 5, key="other")
    _, members = Cluster([a, b]).members("198.51.100.200")
    assert members == [a]


def test_users_spread_to_least_loaded_member(tmp_path: Path) -> None:
    members = [vpn_headend(tmp_path, i, 5) for i in range(3)]
    cluster = Cluster(members)
    result = cluster.connect_users(90)
    assert result["connected"] == 90 and result["refused"] == 0
    assert result["placement"] == {"asa-01": 30, "asa-02": 30, "asa-03": 30}
    stats = cluster.sessions()["members"]["asa-02"]
    assert stats["active"] == 30 and stats["pools"]["POOL-A"] == {"used": 30, "free": 70}
    assert stats["load_percent"] == 4  # 30 / 750 licensed peers


def test_refusals_by_reason(tmp_path: Path) -> None:
    small_pool = vpn_headend(tmp_path, 0, 5, pool_size=10)
    small_licence = vpn_headend(tmp_path, 1, 5, peers=5)
    cluster = Cluster([small_pool, small_licence])
    result = cluster.connect_users(20)
    assert result["connected"] == 15
    assert result["placement"] == {"asa-01": 10, "asa-02": 5}
    assert result["refused"] == 5
    assert set(result["refusals_by_reason"]) <= {"pool_exhausted", "licence_exhausted"}
    nobody = Cluster([make_headend(tmp_path, 5)]).connect_users(3)
    assert nobody["refusals_by_reason"] == {"no_participating_member": 3}


def test_sessiondb_limit_caps_the_member(tmp_path: Path) -> None:
    device = vpn_headend(tmp_path, 0, 5)
    configure(device, ["vpn-sessiondb max-anyconnect-premium-or-essentials-limit 7"])
    result = Cluster([device]).connect_users(10)
    assert result["connected"] == 7
    assert result["refusals_by_reason"] == {"licence_exhausted": 3}


def test_disconnect_frees_pool_addresses(tmp_path: Path) -> None:
    device = vpn_headend(tmp_path, 0, 5, pool_size=5)
    cluster = Cluster([device])
    assert cluster.connect_users(5)["connected"] == 5
    assert cluster.disconnect_users(2)["disconnected"] == 2
    assert cluster.connect_users(3)["connected"] == 2
    assert cluster.disconnect_users()["disconnected"] == 5
    assert cluster.sessions()["members"]["asa-01"]["cumulative"] == 7


def test_pool_in_use_by_sessions_cannot_be_removed(tmp_path: Path) -> None:
    device = vpn_headend(tmp_path, 0, 5)
    Cluster([device]).connect_users(1)
    out = configure(device, ["clear configure tunnel-group", "no ip local pool POOL-A"])
    assert "Removing ip local pool (POOL-A) not allowed, it is being used." in out[-1]


def test_saved_config_loads_back_identically(tmp_path: Path) -> None:
    device = vpn_headend(tmp_path, 0, 7)
    configure(
        device,
        ["terminal width 511", "vpn-sessiondb max-anyconnect-premium-or-essentials-limit 400"],
    )
    saved = device.config.render(masked=False)
    assert "cluster key k1" in saved and "cluster key *****" in device.config.render()
    fresh = make_headend(tmp_path, 0)
    fresh.config = bare_config(fresh)
    assert load_config_text(fresh, saved) == []
    assert fresh.config.render(masked=False) == saved


def test_load_reports_bad_lines_by_number(tmp_path: Path) -> None:
    device = make_headend(tmp_path, 0)
    errors = load_config_text(device, "hostname x\nfrobnicate now\n")
    assert len(errors) == 1 and errors[0].startswith("line 2 (frobnicate now ...): ")
    secret_line = load_config_text(device, "username bob password Sekr1t-Pw bogus-word\n")
    assert secret_line and "Sekr1t-Pw" not in secret_line[0]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("conf t", "asa-01(config)# "),
        ("sh curpriv", "P_PRIV"),
        ("wr mem", "[OK]"),
        ("co", 'ERROR: % Ambiguous command:  "co"'),
        ("show ip local", "ERROR: % Incomplete command"),
    ],
)
def test_abbreviations(tmp_path: Path, line: str, expected: str) -> None:
    device = make_headend(tmp_path, 0)
    cli = CliSession(device, None)
    cli.stack[0].mode = "priv"
    assert expected in cli.feed(line)


def test_submode_prompts_and_fallback_to_global(tmp_path: Path) -> None:
    device = make_headend(tmp_path, 0)
    cli = CliSession(device, None)
    cli.stack[0].mode = "priv"
    cli.feed("configure terminal")
    expectations = [
        ("group-policy GP internal", "(config)# "),
        ("group-policy GP attributes", "(config-group-policy)# "),
        (" webvpn", "(config-group-webvpn)# "),
        ("tunnel-group T type remote-access", "(config)# "),  # global line leaves the sub-mode
        ("tunnel-group T general-attributes", "(config-tunnel-general)# "),
        ("tunnel-group T webvpn-attributes", "(config-tunnel-webvpn)# "),
        ("webvpn", "(config-webvpn)# "),
        ("vpn load-balancing", "(config-load-balancing)# "),
        ("exit", "(config)# "),
        ("end", "asa-01# "),
    ]
    for line, prompt in expectations:
        assert cli.feed(line).endswith(prompt), line


def test_default_group_policy_is_built_in(tmp_path: Path) -> None:
    device = make_headend(tmp_path, 0)
    assert "DfltGrpPolicy" not in device.config.render()
    out = configure(device, ["group-policy DfltGrpPolicy attributes", " vpn-idle-timeout 30"])
    assert not [o for o in out if "ERROR" in o], out
    running = device.config.render()
    assert "group-policy DfltGrpPolicy attributes\n vpn-idle-timeout 30\n" in running
    assert "group-policy DfltGrpPolicy internal" not in running
    missing = configure(device, ["group-policy OTHER attributes"])
    assert "ERROR: group-policy OTHER does not exist" in missing[-1]


def test_copy_running_startup_asks_for_both_names(tmp_path: Path) -> None:
    device = make_headend(tmp_path, 0)
    cli = CliSession(device, None)
    cli.stack[0].mode = "priv"
    assert cli.feed("copy running-config startup-config").endswith(
        "Source filename [running-config]? "
    )
    assert cli.feed("").endswith("Destination filename [startup-config]? ")
    out = cli.feed("")
    assert "[OK]" in out and out.endswith("asa-01# ")
    assert device.startup_path.exists()
    cli.feed("copy running-config startup-config")
    assert "%Error opening nowhere" in cli.feed("nowhere")


def test_vpn_sessiondb_logoff_drains_a_member(tmp_path: Path) -> None:
    device = vpn_headend(tmp_path, 0, 5)
    cluster = Cluster([device])
    cluster.connect_users(4, prefix="u")
    cli = CliSession(device, cluster)
    cli.stack[0].mode = "priv"
    first_user = next(iter(device.sessions.sessions.values()))[0] if device.sessions else ""
    out = cli.feed(f"vpn-sessiondb logoff name {first_user} noconfirm")
    assert f'INFO: Number of sessions with name "{first_user}" logged off : 1' in out
    assert cli.feed("vpn-sessiondb logoff all").endswith("[confirm]")
    assert cli.feed("n").endswith("asa-01# ")  # declined: nothing ends
    assert cluster.sessions()["members"]["asa-01"]["active"] == 3
    cli.feed("vpn-sessiondb logoff tunnel-group TG-HOME")
    assert "logged off : 3" in cli.feed("")
    assert cluster.sessions()["members"]["asa-01"]["pools"]["POOL-A"]["used"] == 0


def test_group_policy_without_ssl_client_refuses_anyconnect(tmp_path: Path) -> None:
    device = vpn_headend(tmp_path, 0, 5)
    configure(device, ["group-policy GP-HOME attributes", " vpn-tunnel-protocol ikev2"])
    result = Cluster([device]).connect_users(2)
    assert result["refusals_by_reason"] == {"ssl_client_not_allowed": 2}


def test_show_output_filters(tmp_path: Path) -> None:
    device = vpn_headend(tmp_path, 0, 5)
    cli = CliSession(device, None)
    cli.stack[0].mode = "priv"
    included = cli.feed("show running-config | include checksum")
    assert included.startswith("Cryptochecksum:") and included.count("\n") == 1
    begun = cli.feed("sh run | begin ^tunnel-group")
    assert begun.startswith("tunnel-group TG-HOME type remote-access\n")
    excluded = cli.feed("show running-config tunnel-group | exclude group")
    assert "tunnel-group" not in excluded and " address-pool POOL-A" in excluded
    assert "Invalid input" in cli.feed("show version | frobnicate x")
    assert "Invalid input" in cli.feed("show bogus | include x")  # the error is not filtered
    # unchanged config: the running and startup checksums agree (cisco.asa save_when: modified)
    cli.feed("write memory")
    running = cli.feed("show running-config | include checksum")
    assert running == cli.feed("show startup-config | include checksum")
