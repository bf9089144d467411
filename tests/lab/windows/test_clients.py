"""Ansible's winrm connection plugin and testinfra's winrm backend against the lab inventory."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
import testinfra
from windows_lab_support import WindowsLab

pytestmark = pytest.mark.lab

ANSIBLE = Path(sys.executable).with_name("ansible")


def _ansible(
    lab: WindowsLab, cwd: Path, *args: str, collections: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update({"ANSIBLE_CONFIG": "", "ANSIBLE_STDOUT_CALLBACK": "default", "NO_COLOR": "1"})
    if collections is not None:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(collections)
    return subprocess.run(
        [str(ANSIBLE), "desktops", "-i", str(lab.handle.inventory), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_ansible_raw_hostname_against_the_lab_inventory(
    windows_lab: WindowsLab, tmp_path: Path
) -> None:
    done = _ansible(windows_lab, tmp_path, "-m", "ansible.builtin.raw", "-a", "hostname")
    assert done.returncode == 0, done.stdout + done.stderr
    for name in windows_lab.hosts:
        assert f"{name} | CHANGED | rc=0 >>\n{name}" in done.stdout
    assert windows_lab.vars["ansible_password"] not in done.stdout + done.stderr


def test_ansible_raw_unknown_command_fails(windows_lab: WindowsLab, tmp_path: Path) -> None:
    done = _ansible(
        windows_lab,
        tmp_path,
        "-m",
        "ansible.builtin.raw",
        "-a",
        "Get-Nothing",
        "--limit",
        windows_lab.name(0),
    )
    assert done.returncode == 2
    assert "FAILED | rc=1" in done.stdout
    assert "Get-Nothing" in done.stdout


def test_ansible_exec_wrapper_win_ping_payload(windows_lab: WindowsLab) -> None:
    """The module_wrapper manifest Ansible 2.19 sends for win_ping gets a module result."""
    protocol = windows_lab.protocol(1)
    shell = protocol.open_shell(codepage=65001)
    script = "$input | Out-String\n# bootstrap_wrapper (abridged)"
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    command = protocol.run_command(
        shell,
        "PowerShell",
        [
            "-NoProfile",
            "-NonInteractive",
            "-ExecutionPolicy",
            "Unrestricted",
            "-EncodedCommand",
            encoded,
        ],
    )
    manifest = {
        "actions": [
            {
                "name": "module_wrapper.ps1",
                "params": {
                    "Script": "ansible_collections.ansible.windows.plugins.modules.win_ping.ps1",
                    "Variables": [{"Name": "complex_args", "Value": {"data": "pong"}}],
                },
            }
        ]
    }
    stdin = json.dumps({"name": "exec_wrapper"}).encode() + b"\n\0\0\0\0\n"
    protocol.send_command_input(shell, command, stdin + json.dumps(manifest).encode(), end=True)
    out, _err, code = protocol.get_command_output(shell, command)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)
    assert code == 0
    assert json.loads(out)["ping"] == "pong"


def _testinfra_url(lab: WindowsLab, i: int, https: bool) -> str:
    user = quote(lab.vars["ansible_user"], safe="")
    password = quote(lab.vars["ansible_password"], safe="")
    if https:
        port = lab.vars["homeshift_winrm_https_port"]
        return f"winrm://{user}:{password}@{lab.address(i)}:{port}?no_verify_ssl=true"
    return f"winrm://{user}:{password}@{lab.address(i)}:{lab.vars['ansible_port']}?no_ssl=true"


@pytest.mark.parametrize("https", [False, True])
def test_testinfra_winrm_host_run(windows_lab: WindowsLab, https: bool) -> None:
    host = testinfra.get_host(_testinfra_url(windows_lab, 2, https))
    result = host.run("hostname")
    assert (result.rc, result.stdout.strip()) == (0, windows_lab.name(2))
    assert host.run("uname -s").rc == 1  # how testinfra recognises Windows


def test_testinfra_system_info_and_file_exists(windows_lab: WindowsLab) -> None:
    host = testinfra.get_host(_testinfra_url(windows_lab, 2, False))
    assert host.system_info.type == "windows"
    assert host.system_info.distribution.startswith("Microsoft Windows")
    assert host.file("C:/Windows/System32").exists
    assert not host.file("C:/NoSuchFolder").exists


def test_ansible_raw_over_https_with_the_lab_ca(windows_lab: WindowsLab, tmp_path: Path) -> None:
    done = _ansible(
        windows_lab,
        tmp_path,
        "-m",
        "ansible.builtin.raw",
        "-a",
        "hostname",
        "--limit",
        windows_lab.name(3),
        "-e",
        "ansible_winrm_scheme=https",
        "-e",
        f"ansible_port={windows_lab.vars['homeshift_winrm_https_port']}",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{windows_lab.name(3)} | CHANGED | rc=0" in done.stdout


WIN_PING_STUB = """#!powershell
#AnsibleRequires -CSharpUtil Ansible.Basic
$spec = @{ options = @{ data = @{ type = "str"; default = "pong" } }; supports_check_mode = $true }
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$module.Result.ping = $module.Params.data
$module.ExitJson()
"""


def test_ansible_win_ping_through_the_real_module_bootstrap(
    windows_lab: WindowsLab, tmp_path: Path
) -> None:
    """ansible-core packs win_ping into its exec_wrapper manifest; the lab answers the module.

    ansible.windows is not installed in the venv, so a stub collection provides the module file
    ansible-core needs to build the payload (the lab never runs PowerShell anyway).
    """
    collection = tmp_path / "collections" / "ansible_collections" / "ansible" / "windows"
    (collection / "plugins" / "modules").mkdir(parents=True)
    (collection / "meta").mkdir()
    (collection / "meta" / "runtime.yml").write_text('requires_ansible: ">=2.16"\n')
    (collection / "plugins" / "modules" / "win_ping.ps1").write_text(WIN_PING_STUB)
    done = _ansible(
        windows_lab,
        tmp_path,
        "-m",
        "ansible.windows.win_ping",
        "--limit",
        windows_lab.name(1),
        collections=tmp_path / "collections",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{windows_lab.name(1)} | SUCCESS" in done.stdout
    assert '"ping": "pong"' in done.stdout
