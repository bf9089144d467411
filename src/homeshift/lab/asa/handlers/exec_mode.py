"""User (``>``) and privileged (``#``) exec commands, plus show/write shared with config mode."""

from __future__ import annotations

import time

from homeshift.lab.asa import outputs
from homeshift.lab.asa.cmdmatch import cmd, keyword
from homeshift.lab.asa.model import check_password
from homeshift.lab.asa.session import (
    CONFIG,
    PRIV,
    USER,
    BadWord,
    CliError,
    CliSession,
    Disconnect,
    register,
)

#: `write memory` failure text, seen only in a mock [unverified, asa-cli.md §2.3]
WRITE_FAILED = (
    "%Error copying system:/running-config (No Device)\nError executing command\n[FAILED]\n"
)

#: [unverified] texts for failed enable / login
BAD_PASSWORD = "Invalid password"  # noqa: S105 - a message, not a secret
ACCESS_DENIED = "Access denied."
LOGIN_FAILED = "Login failed"

ANONYMOUS_NOTICE = """
***************************** NOTICE *****************************

Help to improve the ASA platform by enabling anonymous reporting,
which allows Cisco to securely receive minimal error and health
information from the device. To learn more about this feature,
please visit: http://www.cisco.com/go/smartcall

Would you like to enable anonymous error reporting to help improve
the product? [Y]es, [N]o, [A]sk later: """

#: sections `show running-config <section> [name]` knows (keyword words -> model section)
RUN_SECTIONS: dict[str, str] = {
    "tunnel-group": "tunnel-group",
    "group-policy": "group-policy",
    "webvpn": "webvpn",
    "username": "username",
    "interface": "interface",
    "hostname": "hostname",
    "vpn-sessiondb": "vpn-sessiondb",
    "terminal": "terminal",
    "mtu": "mtu",
    "enable": "enable",
}


# ---- privilege changes -------------------------------------------------------------------------
def do_enable(cli: CliSession) -> None:
    if cli.privileged:  # a real ASA rejects `enable` at `#` (asa-cli.md §1.4)
        raise BadWord(0)
    cli.failed_enable = 0
    cli.ask("Password: ", lambda answer: _enable_answer(cli, answer), echo=False)


def _enable_answer(cli: CliSession, answer: str) -> None:
    stored = cli.device.config.enable_hash
    if stored is None or check_password(answer, stored, cli.device.salt):
        cli.stack[-1].mode = PRIV
        cli.username = "enable_15"
        return
    cli.failed_enable += 1
    if cli.failed_enable >= 3:
        cli.write(ACCESS_DENIED + "\n")
        return
    cli.write(BAD_PASSWORD + "\n")
    cli.ask("Password: ", lambda again: _enable_answer(cli, again), echo=False)


def do_login(cli: CliSession) -> None:
    cli.ask("Username: ", lambda user: _login_user(cli, user))


def _login_user(cli: CliSession, user: str) -> None:
    cli.ask("Password: ", lambda password: _login_password(cli, user.strip(), password), echo=False)


def _login_password(cli: CliSession, user: str, password: str) -> None:
    account = cli.device.config.users.get(user)
    if account and check_password(password, account.password_hash, cli.device.salt):
        cli.username = user
        cli.stack = cli.stack[:1]
        cli.stack[0].mode = PRIV if account.privilege >= 15 else USER
        return
    cli.write(LOGIN_FAILED + "\n")


def do_disable(cli: CliSession) -> None:
    cli.stack = cli.stack[:1]
    cli.stack[0].mode = USER
    cli.username = "enable_1"


def do_exit(cli: CliSession) -> None:
    cli.write("\nLogoff\n\n")
    raise Disconnect()


def do_configure_terminal(cli: CliSession) -> None:
    cli.enter(CONFIG)
    device = cli.device
    if device.faults.anonymous_reporting_notice and not device.anonymous_reporting_answered:
        cli.write(cli.prompt() + "\n")
        cli.ask(ANONYMOUS_NOTICE, lambda answer: _anonymous_answer(cli, answer))


def _anonymous_answer(cli: CliSession, answer: str) -> None:
    choice = answer.strip().lower()[:1]
    if choice not in ("y", "n", "a"):
        cli.ask("Please enter Y, N or A: ", lambda again: _anonymous_answer(cli, again))
        return
    if choice in ("y", "n"):
        cli.device.anonymous_reporting_answered = True
    if choice == "n":
        cli.write(
            "In the future, if you would like to enable this feature,\n"
            'issue the command "call-home reporting anonymous".\n'
        )


def do_terminal_pager(cli: CliSession, lines: str) -> None:
    if not lines.isdigit():
        raise BadWord(2)
    cli.pager_lines = int(lines)


def do_no_terminal_pager(cli: CliSession) -> None:
    cli.pager_lines = 0


# ---- write ------------------------------------------------------------------------------------
def do_write_memory(cli: CliSession, *_: str) -> None:
    device = cli.device
    started = time.monotonic()
    cli.write("Building configuration...\n")
    if device.faults.write_memory_fails:
        cli.write(WRITE_FAILED)
        return
    checksum = device.config.checksum()
    size = device.save_startup()
    cli.delay_s = device.write_memory_delay_s  # the transport waits before answering
    elapsed = max(time.monotonic() - started + cli.delay_s, 0.01)
    cli.write(f"Cryptochecksum: {checksum} \n\n{size} bytes copied in {elapsed:.3f} secs\n[OK]\n")


def do_copy_running_startup(cli: CliSession) -> None:
    """``copy running-config startup-config`` confirms both names first (RETURN accepts)."""

    def destination(answer: str) -> None:
        if answer.strip() not in ("", "startup-config"):
            raise CliError(f"%Error opening {answer.strip()} (No such file or directory)")
        do_write_memory(cli)

    def source(answer: str) -> None:
        if answer.strip() not in ("", "running-config"):
            raise CliError(f"%Error opening {answer.strip()} (No such file or directory)")
        cli.ask("Destination filename [startup-config]? ", destination)

    cli.ask("Source filename [running-config]? ", source)


#: ``vpn-sessiondb logoff`` texts [unverified: recalled, no transcript in the reference]
LOGOFF_CONFIRM = "Do you want to logoff the VPN session(s)? [confirm]"
LOGOFF_DONE = "INFO: Number of sessions{what} logged off : {count}"


def do_vpn_sessiondb_logoff(cli: CliSession, rest: str) -> None:
    words = rest.split()
    noconfirm = bool(words) and keyword(words[-1], ("noconfirm",)) == "noconfirm"
    if noconfirm:
        words = words[:-1]
    if not words:
        raise CliError("ERROR: % Incomplete command")
    scope = keyword(words[0], ("all", "name", "tunnel-group", "index"))
    if scope is None:
        raise BadWord(2)
    if scope != "all" and len(words) != 2:
        raise CliError("ERROR: % Incomplete command") if len(words) < 2 else BadWord(4)
    value = words[1] if scope != "all" else None
    what = {
        "all": "",
        "name": f' with name "{value}"',
        "tunnel-group": f' from TunnelGroup "{value}"',
        "index": f' with index "{value}"',
    }[scope]

    def logoff() -> None:
        if cli.cluster is None:
            count = 0
        else:
            count = cli.cluster.logoff(cli.device, None if scope == "all" else scope, value)
        cli.write(LOGOFF_DONE.format(what=what, count=count) + "\n")

    if noconfirm:
        logoff()
        return

    def confirmed(answer: str) -> None:
        if answer.strip().lower() in ("", "y", "yes"):
            logoff()

    cli.ask(LOGOFF_CONFIRM, confirmed)


def do_write_terminal(cli: CliSession) -> None:
    cli.write(_running(cli, None, None))


# ---- show -------------------------------------------------------------------------------------
def _running(cli: CliSession, section: str | None, name: str | None) -> str:
    device = cli.device
    return device.config.render(
        serial=device.serial, hardware=device.hardware, section=section, name=name
    )


def do_show_running(cli: CliSession, rest: str = "") -> None:
    words = rest.split()
    if words and keyword(words[0], ("all",)) == "all":
        words = words[1:]
    if not words:
        cli.write(_running(cli, None, None))
        return
    first = words[0].lower()
    offset = 2 + (len(rest.split()) - len(words))
    if keyword(first, ("ip",)) == "ip":
        if (
            len(words) < 3
            or keyword(words[1], ("local",)) != "local"
            or keyword(words[2], ("pool",)) != "pool"
        ):
            raise BadWord(offset + 1)
        name = words[3] if len(words) > 3 else None
        cli.write(_running(cli, "ip local pool", name))
        return
    if keyword(first, ("vpn", "vpn-sessiondb")) == "vpn":
        if len(words) < 2 or keyword(words[1], ("load-balancing",)) != "load-balancing":
            raise BadWord(offset + 1)
        cli.write(_running(cli, "vpn load-balancing", None))
        return
    section = keyword(first, tuple(RUN_SECTIONS))
    if section is None:
        raise BadWord(offset)
    name = words[1] if len(words) > 1 else None
    cli.write(_running(cli, RUN_SECTIONS[section], name))


def do_show_startup(cli: CliSession) -> None:
    masked = cli.device.startup_masked
    if masked is None:
        cli.write("ERROR: startup-config does not exist\n")
        return
    cli.write(masked)


def do_show_version(cli: CliSession) -> None:
    cli.write(outputs.show_version(cli.device))


def do_show_curpriv(cli: CliSession) -> None:
    cli.write(outputs.show_curpriv(cli.username, cli.mode))


def do_show_clock(cli: CliSession) -> None:
    cli.write(outputs.show_clock())


def do_show_terminal(cli: CliSession) -> None:
    cli.write(outputs.show_terminal(cli.device.config.terminal_width, cli.pager_lines))


def do_show_pager(cli: CliSession) -> None:
    cli.write(f"pager lines {cli.pager_lines}\n")


def do_show_cpu(cli: CliSession, _rest: str = "") -> None:
    cli.write(outputs.show_cpu_usage(cli.device))


def do_show_sessiondb(cli: CliSession, rest: str = "") -> None:
    words = rest.split()
    if not words or keyword(words[0], ("summary", "anyconnect", "detail")) == "summary":
        cli.write(outputs.show_vpn_sessiondb_summary(cli.device))
        return
    if keyword(words[0], ("summary", "anyconnect", "detail")) == "anyconnect":
        cli.write(outputs.show_vpn_sessiondb_anyconnect(cli.device))
        return
    raise BadWord(2)


def do_show_interface_ip_brief(cli: CliSession) -> None:
    cli.write(outputs.show_interface_ip_brief(cli.device))


def do_show_nameif(cli: CliSession) -> None:
    cli.write(outputs.show_nameif(cli.device))


def do_show_load_balancing(cli: CliSession) -> None:
    cli.write(outputs.show_vpn_load_balancing(cli.device, cli.cluster))


def do_show_ip_local_pool(cli: CliSession, name: str) -> None:
    text = outputs.show_ip_local_pool(cli.device, name)
    if text is None:
        raise CliError(f"ERROR: Pool {name} does not exist")
    cli.write(text)


SHOW_ANYWHERE = [
    cmd("show version", do_show_version),
    cmd("show curpriv", do_show_curpriv),
    cmd("show clock", do_show_clock),
    cmd("show terminal", do_show_terminal),
    cmd("show pager", do_show_pager),
]

SHOW_PRIVILEGED = [
    cmd("show running-config *", do_show_running),
    cmd("show startup-config", do_show_startup),
    cmd("show cpu usage *", do_show_cpu),
    cmd("show vpn-sessiondb *", do_show_sessiondb),
    cmd("show vpn load-balancing", do_show_load_balancing),
    cmd("show interface ip brief", do_show_interface_ip_brief),
    cmd("show nameif", do_show_nameif),
    cmd("show ip local pool {}", do_show_ip_local_pool),
    cmd("write memory", do_write_memory),
    cmd("write", do_write_memory),
    cmd("write terminal", do_write_terminal),
    cmd("copy running-config startup-config", do_copy_running_startup),
    cmd("vpn-sessiondb logoff *", do_vpn_sessiondb_logoff),
    cmd("terminal pager {}", do_terminal_pager),
    cmd("terminal pager lines {}", do_terminal_pager),
    cmd("no terminal pager", do_no_terminal_pager),
]

register(
    USER,
    [
        *SHOW_ANYWHERE,
        cmd("enable", do_enable),
        cmd("login", do_login),
        cmd("exit", do_exit),
        cmd("quit", do_exit),
        cmd("logout", do_exit),
    ],
)
register(
    PRIV,
    [
        *SHOW_ANYWHERE,
        *SHOW_PRIVILEGED,
        cmd("enable", do_enable),
        cmd("login", do_login),
        cmd("disable", do_disable),
        cmd("configure terminal", do_configure_terminal),
        cmd("exit", do_exit),
        cmd("quit", do_exit),
        cmd("logout", do_exit),
    ],
)
register(CONFIG, [*SHOW_ANYWHERE, *SHOW_PRIVILEGED])
