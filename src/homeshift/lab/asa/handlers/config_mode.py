"""Global configuration mode (``(config)#``)."""

from __future__ import annotations

import ipaddress

from homeshift.lab.asa.cluster import sessions_of
from homeshift.lab.asa.cmdmatch import cmd, keyword
from homeshift.lab.asa.model import (
    GroupPolicy,
    LoadBalancing,
    Pool,
    TunnelGroup,
    User,
    Webvpn,
    hash_password,
    ip_to_int,
)
from homeshift.lab.asa.session import CONFIG, PRIV, BadWord, CliError, CliSession, register

#: Refusal texts the reference could not confirm [unverified, asa-cli.md §2.6 / §6]; the
#: in-use text follows the verified ``Removing object-group (X) not allowed, it is being used.``
MESSAGES: dict[str, str] = {
    "pool_overlap": "ERROR: IP address range overlaps with existing pool {other}",
    "pool_in_use": "Removing ip local pool ({name}) not allowed, it is being used.",
    "pool_bad_range": "ERROR: Invalid IP address range {range}",
    "pool_missing": "ERROR: IP address pool {name} does not exist",
    "group_policy_missing": "ERROR: group-policy {name} does not exist",
    "group_policy_in_use": "ERROR: group-policy {name} is being used by tunnel-group {user}",
    "tunnel_group_missing": "ERROR: tunnel-group {name} does not exist",
    "tunnel_group_type": "ERROR: Invalid tunnel-group type {type}",
    "interface_missing": "ERROR: Interface name {name} not found",
}

DEFAULT_GROUP_POLICY = "DfltGrpPolicy"
TUNNEL_GROUP_TYPES = ("remote-access", "ipsec-l2l", "webvpn")
SESSIONDB_LIMITS = (
    "max-anyconnect-premium-or-essentials-limit",
    "max-other-vpn-limit",
    "max-webvpn-session-limit",
)


def message(key: str, **values: str) -> str:
    return MESSAGES[key].format(**values)


def do_end(cli: CliSession) -> None:
    cli.to_mode(PRIV)


def do_exit(cli: CliSession) -> None:
    if len(cli.stack) > 1:
        cli.stack.pop()


def do_hostname(cli: CliSession, name: str) -> None:
    if not name[0].isalpha() or len(name) > 63:
        raise BadWord(1)
    cli.device.config.hostname = name


def do_terminal_width(cli: CliSession, width: str) -> None:
    if not width.isdigit() or not 40 <= int(width) <= 511:
        raise BadWord(2)
    cli.device.config.terminal_width = int(width)


def do_no_terminal_width(cli: CliSession, *_: str) -> None:
    cli.device.config.terminal_width = 80


def do_enable_password(cli: CliSession, rest: str) -> None:
    words = rest.split()
    if not words:
        raise BadWord(2)
    secret = words[0]
    if len(words) > 1 and words[1] in ("pbkdf2", "encrypted"):
        cli.device.config.enable_hash = secret
    else:
        cli.device.config.enable_hash = hash_password(secret, cli.device.salt)


def do_username(cli: CliSession, name: str, rest: str) -> None:
    words = rest.split()
    if (
        keyword(words[0], ("password", "attributes", "nopassword")) == "attributes"
        if words
        else False
    ):
        if name not in cli.device.config.users:
            raise CliError(f"ERROR: username {name} does not exist")
        cli.enter("config-username", name)
        return
    if not words or keyword(words[0], ("password",)) != "password" or len(words) < 2:
        raise BadWord(2)
    secret = words[1]
    tail = words[2:]
    hashed = bool(tail) and tail[0] in ("pbkdf2", "encrypted")
    stored = secret if hashed else hash_password(secret, cli.device.salt)
    rest_at = 1 if hashed else 0
    privilege = 2
    if tail[rest_at:]:
        if keyword(tail[rest_at], ("privilege",)) != "privilege":
            raise BadWord(4 + rest_at)
        try:
            privilege = int(tail[rest_at + 1])
        except (IndexError, ValueError):
            raise BadWord(5 + rest_at) from None
        if not 0 <= privilege <= 15 or len(tail) > rest_at + 2:
            raise BadWord(5 + rest_at)
    cli.device.config.users[name] = User(name, stored, privilege)


def do_no_username(cli: CliSession, name: str, *_: str) -> None:
    cli.device.config.users.pop(name, None)


def do_interface(cli: CliSession, hardware: str) -> None:
    interfaces = cli.device.config.interfaces
    match = next((h for h in interfaces if h.lower() == hardware.lower()), None)
    if match is None:
        raise BadWord(1)
    cli.enter("config-if", match)


# ---- ip local pool ---------------------------------------------------------------------------
def do_ip_local_pool(cli: CliSession, name: str, rest: str) -> None:
    words = rest.split()
    if not words:
        raise BadWord(4)
    first_text, sep, last_text = words[0].partition("-")
    try:
        first = ip_to_int(first_text)
        last = ip_to_int(last_text) if sep else first
    except ValueError:
        raise CliError(message("pool_bad_range", range=words[0])) from None
    if last < first:
        raise CliError(message("pool_bad_range", range=words[0]))
    mask = None
    if len(words) > 1:
        if keyword(words[1], ("mask",)) != "mask" or len(words) < 3:
            raise BadWord(5)
        try:
            ipaddress.IPv4Network(f"0.0.0.0/{words[2]}")
        except ValueError:
            raise BadWord(6) from None
        mask = words[2]
        if len(words) > 3:
            raise BadWord(7)
    pool = Pool(name, first, last, mask)
    config = cli.device.config
    for other in config.pools.values():
        if other.name != name and other.overlaps(pool):
            raise CliError(message("pool_overlap", other=other.name))
    existing = config.pools.get(name)
    if existing is not None and sessions_of(cli.device).pool_used.get(name):
        raise CliError(message("pool_in_use", name=name))
    config.pools[name] = pool


def do_no_ip_local_pool(cli: CliSession, name: str, _rest: str = "") -> None:
    config = cli.device.config
    if name not in config.pools:
        raise CliError(message("pool_missing", name=name))
    if config.pool_users(name) or sessions_of(cli.device).pool_used.get(name):
        raise CliError(message("pool_in_use", name=name))
    del config.pools[name]


# ---- group-policy / tunnel-group -------------------------------------------------------------
def do_group_policy(cli: CliSession, name: str, kind: str) -> None:
    config = cli.device.config
    choice = keyword(kind, ("internal", "external", "attributes"))
    if choice is None:
        raise BadWord(2)
    if choice == "attributes":
        policy = config.group_policies.get(name)
        if policy is None and name == DEFAULT_GROUP_POLICY:  # built in on every ASA
            policy = config.group_policies.setdefault(name, GroupPolicy(name, builtin=True))
        if policy is None:
            raise CliError(message("group_policy_missing", name=name))
        policy.has_attributes = True
        cli.enter("config-group-policy", name)
        return
    policy = config.group_policies.setdefault(name, GroupPolicy(name))
    policy.internal = choice == "internal"


def do_no_group_policy(cli: CliSession, name: str, _rest: str = "") -> None:
    config = cli.device.config
    if name == DEFAULT_GROUP_POLICY:  # the built-in policy cannot be removed, only reset
        config.group_policies.pop(name, None)
        return
    if name not in config.group_policies:
        raise CliError(message("group_policy_missing", name=name))
    for tg in config.tunnel_groups.values():
        if tg.general.get("default-group-policy", "").strip() == name:
            raise CliError(message("group_policy_in_use", name=name, user=tg.name))
    del config.group_policies[name]


def do_tunnel_group(cli: CliSession, name: str, kind: str) -> None:
    config = cli.device.config
    choice = keyword(kind, ("general-attributes", "webvpn-attributes", "ipsec-attributes"))
    if choice is None:
        raise BadWord(2)
    tg = config.tunnel_groups.get(name)
    if tg is None:
        raise CliError(message("tunnel_group_missing", name=name))
    if choice == "general-attributes":
        tg.has_general = True
        cli.enter("config-tunnel-general", name)
    elif choice == "webvpn-attributes":
        tg.has_webvpn = True
        cli.enter("config-tunnel-webvpn", name)
    else:
        raise BadWord(2)


def do_tunnel_group_type(cli: CliSession, name: str, kind: str) -> None:
    choice = keyword(kind, TUNNEL_GROUP_TYPES)
    if choice is None:
        raise BadWord(3)
    config = cli.device.config
    existing = config.tunnel_groups.get(name)
    if existing is not None and existing.type != choice:
        raise CliError(f"ERROR: tunnel-group {name} already exists with type {existing.type}")
    config.tunnel_groups.setdefault(name, TunnelGroup(name, choice))


def do_no_tunnel_group(cli: CliSession, name: str, _rest: str = "") -> None:
    if cli.device.config.tunnel_groups.pop(name, None) is None:
        raise CliError(message("tunnel_group_missing", name=name))


# ---- global webvpn / load-balancing / vpn-sessiondb ------------------------------------------
def do_webvpn(cli: CliSession) -> None:
    cli.device.config.webvpn.present = True
    cli.enter("config-webvpn")


def do_no_webvpn(cli: CliSession) -> None:
    cli.device.config.webvpn = Webvpn()


def do_vpn_load_balancing(cli: CliSession) -> None:
    cli.device.config.load_balancing.present = True
    cli.enter("config-load-balancing")


def do_no_vpn_load_balancing(cli: CliSession) -> None:
    cli.device.config.load_balancing = LoadBalancing()


def do_vpn_sessiondb(cli: CliSession, limit: str, value: str) -> None:
    key = keyword(limit, SESSIONDB_LIMITS)
    if key is None:
        raise BadWord(1)
    if not value.isdigit():
        raise BadWord(2)
    cli.device.config.sessiondb[key] = int(value)


def do_no_vpn_sessiondb(cli: CliSession, limit: str, _rest: str = "") -> None:
    key = keyword(limit, SESSIONDB_LIMITS)
    if key is None:
        raise BadWord(2)
    cli.device.config.sessiondb.pop(key, None)


# ---- clear configure -------------------------------------------------------------------------
def do_clear_configure(cli: CliSession, rest: str) -> None:
    words = rest.split()
    config = cli.device.config
    if not words:
        raise BadWord(2)
    what = keyword(words[0], ("group-policy", "tunnel-group", "ip", "webvpn", "vpn", "username"))
    name = words[1] if len(words) > 1 else None
    if what == "group-policy":
        names = [name] if name else list(config.group_policies)
        for each in names:
            if each not in config.group_policies:
                raise CliError(message("group_policy_missing", name=each))
            do_no_group_policy(cli, each)
    elif what == "tunnel-group":
        if name:
            do_no_tunnel_group(cli, name)
        else:
            config.tunnel_groups.clear()
    elif what == "ip":
        if (
            len(words) < 3
            or keyword(words[1], ("local",)) != "local"
            or keyword(words[2], ("pool",)) != "pool"
        ):
            raise BadWord(3)
        pool_name = words[3] if len(words) > 3 else None
        for each in [pool_name] if pool_name else list(config.pools):
            do_no_ip_local_pool(cli, each)
    elif what == "webvpn":
        config.webvpn = Webvpn()
    elif what == "vpn":
        if len(words) < 2 or keyword(words[1], ("load-balancing",)) != "load-balancing":
            raise BadWord(3)
        config.load_balancing = LoadBalancing()
    elif what == "username":
        if name:
            config.users.pop(name, None)
        else:
            config.users.clear()
    else:
        raise BadWord(2)


def do_fixed_default(cli: CliSession, *_: str) -> None:
    """Lines every running-config carries that the model keeps fixed (ftp, pager, mtu)."""


register(
    CONFIG,
    [
        cmd("end", do_end),
        cmd("exit", do_exit),
        cmd("hostname {}", do_hostname),
        cmd("terminal width {}", do_terminal_width),
        cmd("no terminal width *", do_no_terminal_width),
        cmd("enable password *", do_enable_password),
        cmd("username {} *", do_username),
        cmd("no username {} *", do_no_username),
        cmd("interface {}", do_interface),
        cmd("ip local pool {} *", do_ip_local_pool),
        cmd("no ip local pool {} *", do_no_ip_local_pool),
        cmd("group-policy {} {}", do_group_policy),
        cmd("no group-policy {} *", do_no_group_policy),
        cmd("tunnel-group {} type {}", do_tunnel_group_type),
        cmd("tunnel-group {} {}", do_tunnel_group),
        cmd("no tunnel-group {} *", do_no_tunnel_group),
        cmd("webvpn", do_webvpn),
        cmd("no webvpn", do_no_webvpn),
        cmd("vpn load-balancing", do_vpn_load_balancing),
        cmd("no vpn load-balancing", do_no_vpn_load_balancing),
        cmd("vpn-sessiondb {} {}", do_vpn_sessiondb),
        cmd("no vpn-sessiondb {} *", do_no_vpn_sessiondb),
        cmd("clear configure *", do_clear_configure),
        cmd("ftp mode passive", do_fixed_default),
        cmd("pager lines {}", do_fixed_default),
        cmd("mtu {} {}", do_fixed_default),
    ],
)
