"""Small pure pieces of the Windows lab: share table, fault parameters, HTTP framing, paths."""

from __future__ import annotations

import hashlib
import socket

import pytest
from windows_lab_support import WindowsLab

from homeshift.lab.windows import share
from homeshift.lab.windows.desktop import (
    DesktopError,
    canonical_reg_path,
    desktop_profile,
    normalise_path,
)
from homeshift.lab.windows.faults import DesktopFaults, FaultError, apply_fault


def test_share_table_is_consistent() -> None:
    codes = [p.product_code for p in share.PACKAGES]
    assert len(set(codes)) == len(codes)
    for package in share.PACKAGES:
        assert package.sha256 == hashlib.sha256(package.content).hexdigest().upper()
        assert share.package_at(package.unc_path.upper()) is package
        assert package.unc_path.startswith("\\\\fs01\\deploy\\cisco\\")
        assert package.file_name.endswith("-predeploy-k9.msi")
    core = share.find_package("secure-client", "core-vpn", "5.1.4.74")
    assert core.service == "csc_vpnagent"
    assert share.LEGACY_ANYCONNECT.service == "vpnagent"
    with pytest.raises(KeyError):
        share.find_package("secure-client", "core-vpn", "9.9")


@pytest.mark.parametrize(
    ("fault", "params", "message"),
    [
        ("meteor", {}, "unknown fault"),
        ("slow_receive", {"delay": 1}, r"takes \['delay_s'\] parameters"),
        ("slow_receive", {"delay_s": -1}, "must not be negative"),
        ("msi_1618", {"count": "many"}, "msi_1618"),
        ("unreachable", {"x": 1}, "takes no parameters"),
    ],
)
def test_bad_fault_parameters_are_refused(
    fault: str, params: dict[str, object], message: str
) -> None:
    with pytest.raises(FaultError, match=message):
        apply_fault(DesktopFaults(), fault, params)


def test_msi_override_matches_its_product_only() -> None:
    faults = DesktopFaults()
    apply_fault(faults, "msi_exit", {"code": 1641, "product_code": "{A}", "count": 1})
    assert faults.take_msi_exit("{B}") is None
    assert faults.take_msi_exit("{a}") == 1641
    assert faults.take_msi_exit("{A}") is None


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("HKEY_LOCAL_MACHINE\\Software\\X", "HKLM:\\Software\\X"),
        ("Registry::HKLM\\Software\\X\\", "HKLM:\\Software\\X"),
        ("hku:/S-1-5-18/Y", "HKU:\\S-1-5-18\\Y"),
    ],
)
def test_registry_paths_normalise(given: str, canonical: str) -> None:
    assert canonical_reg_path(given) == canonical


def test_bad_paths_raise_model_errors() -> None:
    with pytest.raises(DesktopError, match="A drive with the name 'XYZ' does not exist"):
        canonical_reg_path("XYZ:\\nope")
    with pytest.raises(DesktopError):
        normalise_path("relative\\file.txt")
    assert normalise_path("c:/Temp//a.txt") == "C:\\Temp\\a.txt"


def test_fleet_mix_matches_the_documented_shares() -> None:
    profiles = [desktop_profile(7, i) for i in range(2000)]

    def share_of(flag: list[bool]) -> float:
        return sum(flag) / len(flag)

    assert 0.5 < share_of([p.wifi for p in profiles]) < 0.7
    assert 0.9 < share_of([p.tpm for p in profiles]) < 0.98
    assert 0.01 < share_of([p.build < 19045 for p in profiles]) < 0.08
    assert 0.1 < share_of([p.legacy_anyconnect for p in profiles]) < 0.3
    assert 0.01 < share_of([p.free_gb < 5 for p in profiles]) < 0.1


@pytest.mark.lab
@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"POST /wsman HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n",
        b"POST /wsman HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
    ],
)
def test_malformed_http_gets_400_and_the_listener_survives(
    windows_lab: WindowsLab, raw: bytes
) -> None:
    with socket.create_connection((windows_lab.address(1), 5985), timeout=5) as sock:
        sock.sendall(raw)
        reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert windows_lab.session(1).run_cmd("hostname").status_code == 0


@pytest.mark.parametrize(
    ("option", "count", "expected"),
    [
        ("auto", 1000, True),
        ("auto", 1001, False),
        ("auto", 16000, False),
        (False, 10, False),
        (True, 5000, True),
    ],
)
def test_https_decision_by_size_and_fd_budget(
    monkeypatch: pytest.MonkeyPatch, option: object, count: int, expected: bool
) -> None:
    from homeshift.lab.windows import component

    monkeypatch.setattr(component.resource, "getrlimit", lambda _which: (1024, 20000))
    monkeypatch.setattr(component.resource, "setrlimit", lambda _which, _limits: None)
    assert component.WindowsLabComponent()._decide_https(option, count) is expected


@pytest.mark.parametrize(("option", "count"), [(True, 16000), ("auto", 30000)])
def test_https_or_size_beyond_the_fd_limit_is_refused(
    monkeypatch: pytest.MonkeyPatch, option: object, count: int
) -> None:
    from homeshift.lab.windows import component

    monkeypatch.setattr(component.resource, "getrlimit", lambda _which: (20000, 20000))
    with pytest.raises(ValueError, match="RLIMIT_NOFILE allows 20000"):
        component.WindowsLabComponent()._decide_https(option, count)


def test_state_json_roundtrip_keeps_everything() -> None:
    from homeshift.lab.windows.desktop import Desktop, DesktopState, install_package_effects

    desktop = Desktop(5, "WS-D0000006", 7)
    state = desktop.edit()
    install_package_effects(state, share.find_package("secure-client", "core-vpn", "5.1.4.74"))
    state.write_file("C:\\ProgramData\\bin.dat", bytes(range(256)))
    state.reg_set("HKU:\\.DEFAULT\\Software\\X", "List", "multistring", ["a", "b"])
    state.power["SUB_SLEEP/STANDBYIDLE"] = [0, 60]
    state.pending_reboot = True
    restored = DesktopState.from_json(state.to_json())
    assert restored.to_json() == state.to_json()
    assert restored.read_file("C:\\programdata\\BIN.dat") == bytes(range(256))
    assert restored.reg_get("HKU:\\.DEFAULT\\Software\\X", "list").data == ["a", "b"]  # type: ignore[union-attr]


def test_interpreter_never_crashes_on_arbitrary_input() -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from homeshift.lab.windows.commands import Session, run_cmd_line, run_powershell
    from homeshift.lab.windows.desktop import Desktop

    tokens = st.sampled_from(
        [
            "Get-Service",
            "Get-ItemProperty",
            "Test-Path",
            "Get-FileHash",
            "Get-Content",
            "|",
            "Select-Object",
            "ConvertTo-Json",
            "-Name",
            "-Path",
            "-LiteralPath",
            "'HKLM:\\SOFTWARE'",
            "'C:\\Temp'",
            "(",
            ")",
            ".",
            "Where-Object",
            "{",
            "}",
            "$_.Name",
            "-like",
            "'x*'",
            ";",
            "powercfg",
            "/query",
            "SCHEME_CURRENT",
            "exit",
            "-1",
            "reg",
            "query",
            "sc",
            '"',
            "''",
            "Get-Item",
            "-is",
            "[System.IO.FileInfo]",
            "-ExpandProperty",
            "-First",
            "shutdown",
        ]
    )
    desktop = Desktop(0, "WS-D0000001", 7)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(tokens | st.text(max_size=8), max_size=12))
    def check(words: list[str]) -> None:
        line = " ".join(words)
        for runner in (run_powershell, run_cmd_line):
            session = Session(view=desktop.view, edit=desktop.edit, user="hs-admin")
            assert isinstance(runner(session, line), int)

    check()
