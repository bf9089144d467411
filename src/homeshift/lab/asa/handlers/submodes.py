"""Configuration sub-modes: interface, group-policy (+ webvpn), tunnel-group general/webvpn,
global webvpn, vpn load-balancing and username attributes.

Attribute sub-modes store ``keyword -> rest of line`` so ``show running-config`` prints them
back as typed; values are checked where a wrong value would silently break the VPN.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping

from homeshift.lab.asa.cmdmatch import Command, cmd, keyword
from homeshift.lab.asa.handlers.config_mode import do_end, do_exit, message
from homeshift.lab.asa.model import GroupPolicy, Interface, TunnelGroup
from homeshift.lab.asa.session import BadWord, CliError, CliSession, register

GP_ATTRIBUTES: Mapping[str, tuple[str, ...] | None] = {
    "vpn-tunnel-protocol": ("ssl-client", "ssl-clientless", "ikev1", "ikev2", "l2tp-ipsec"),
    "address-pools": None,
    "dns-server": None,
    "default-domain": None,
    "split-tunnel-policy": ("tunnelall", "tunnelspecified", "excludespecified"),
    "split-tunnel-network-list": None,
    "vpn-simultaneous-logins": None,
    "vpn-idle-timeout": None,
    "vpn-session-timeout": None,
    "banner": None,
    "wins-server": None,
    "vpn-filter": None,
    "group-lock": None,
    "ipv6-address-pools": None,
}
GP_WEBVPN_ATTRIBUTES = ("anyconnect", "url-list", "customization", "always-on-vpn")
TG_GENERAL = (
    "address-pool",
    "default-group-policy",
    "authentication-server-group",
    "authorization-server-group",
    "accounting-server-group",
)
TG_WEBVPN = ("group-alias", "group-url", "authentication")


def _policy(cli: CliSession) -> GroupPolicy:
    return cli.device.config.group_policies[cli.target]


def _tunnel(cli: CliSession) -> TunnelGroup:
    return cli.device.config.tunnel_groups[cli.target]


def _interface(cli: CliSession) -> Interface:
    return cli.device.config.interfaces[cli.target]


# ---- interface --------------------------------------------------------------------------------
def do_nameif(cli: CliSession, name: str) -> None:
    interface = _interface(cli)
    interface.nameif = name
    if interface.security_level is None:
        level = 0 if name == "outside" else 100 if name == "inside" else 0
        interface.security_level = level
        cli.write(f'INFO: Security level for "{name}" set to {level} by default.\n')


def do_security_level(cli: CliSession, level: str) -> None:
    if not level.isdigit() or int(level) > 100:
        raise BadWord(1)
    _interface(cli).security_level = int(level)


def do_ip_address(cli: CliSession, address: str, mask: str) -> None:
    try:
        ipaddress.IPv4Network(f"{address}/{mask}", strict=False)
    except ValueError:
        raise BadWord(2) from None
    interface = _interface(cli)
    interface.ip, interface.mask = address, mask


def do_no_ip_address(cli: CliSession, *_: str) -> None:
    interface = _interface(cli)
    interface.ip = interface.mask = None


def _set_flag(attr: str, value: object) -> Callable[[CliSession], None]:
    def handler(cli: CliSession) -> None:
        setattr(_interface(cli), attr, value)

    return handler


# ---- group-policy ----------------------------------------------------------------------------
def do_gp_attribute(cli: CliSession, rest: str) -> None:
    words = rest.split()
    key = keyword(words[0], tuple(GP_ATTRIBUTES)) if words else None
    if key is None:
        raise BadWord(0)
    if len(words) < 2:
        raise CliError("ERROR: % Incomplete command")
    allowed = GP_ATTRIBUTES[key]
    values = words[1:]
    if allowed is not None:
        for i, value in enumerate(values):
            if value not in allowed:
                raise BadWord(1 + i)
    if key in ("address-pools", "ipv6-address-pools") and values[0] == "value":
        for i, pool in enumerate(values[1:]):
            if pool not in cli.device.config.pools:
                raise CliError(message("pool_missing", name=pool))
            del i
    _policy(cli).attributes[key] = " ".join(values)


def do_gp_no_attribute(cli: CliSession, rest: str) -> None:
    words = rest.split()
    key = keyword(words[0], tuple(GP_ATTRIBUTES)) if words else None
    if key is None:
        raise BadWord(1)
    _policy(cli).attributes.pop(key, None)


def do_gp_webvpn(cli: CliSession) -> None:
    cli.enter("config-group-webvpn", cli.target)


def _webvpn_key(words: list[str]) -> str:
    """``anyconnect keep-installer installed`` -> key ``anyconnect keep-installer``."""
    head = keyword(words[0], GP_WEBVPN_ATTRIBUTES) if words else None
    if head is None:
        raise BadWord(0)
    if head == "anyconnect" and len(words) > 1:
        return f"anyconnect {words[1]}"
    return head


def do_gp_webvpn_attribute(cli: CliSession, rest: str) -> None:
    words = rest.split()
    key = _webvpn_key(words)
    value_words = words[len(key.split()) :]
    if not value_words:
        raise CliError("ERROR: % Incomplete command")
    _policy(cli).webvpn[key] = " ".join(value_words)


def do_gp_webvpn_no(cli: CliSession, rest: str) -> None:
    words = rest.split()
    try:
        key = _webvpn_key(words)
    except BadWord:
        raise BadWord(1) from None
    _policy(cli).webvpn.pop(key, None)


# ---- tunnel-group ----------------------------------------------------------------------------
def do_tg_general(cli: CliSession, rest: str) -> None:
    words = rest.split()
    key = keyword(words[0], TG_GENERAL) if words else None
    if key is None:
        raise BadWord(0)
    values = words[1:]
    if not values:
        raise CliError("ERROR: % Incomplete command")
    config = cli.device.config
    names = [v for v in values if not v.startswith("(")]
    if key == "address-pool":
        for pool in names:
            if pool not in config.pools:
                raise CliError(message("pool_missing", name=pool))
    if key == "default-group-policy" and names[0] not in (*config.group_policies, "DfltGrpPolicy"):
        raise CliError(message("group_policy_missing", name=names[0]))
    _tunnel(cli).general[key] = " ".join(values)


def do_tg_general_no(cli: CliSession, rest: str) -> None:
    words = rest.split()
    key = keyword(words[0], TG_GENERAL) if words else None
    if key is None:
        raise BadWord(1)
    _tunnel(cli).general.pop(key, None)


def do_tg_webvpn(cli: CliSession, rest: str) -> None:
    words = rest.split()
    key = keyword(words[0], TG_WEBVPN) if words else None
    if key is None:
        raise BadWord(0)
    tg = _tunnel(cli)
    if key in ("group-alias", "group-url"):
        if len(words) < 2:
            raise CliError("ERROR: % Incomplete command")
        state = words[2] if len(words) > 2 else "enable"
        if state not in ("enable", "disable") or len(words) > 3:
            raise BadWord(2)
        tg.webvpn[f"{key} {words[1]}"] = state
        return
    if len(words) < 2:
        raise CliError("ERROR: % Incomplete command")
    tg.webvpn[key] = " ".join(words[1:])


def do_tg_webvpn_no(cli: CliSession, rest: str) -> None:
    words = rest.split()
    key = keyword(words[0], TG_WEBVPN) if words else None
    if key is None:
        raise BadWord(1)
    full = f"{key} {words[1]}" if key in ("group-alias", "group-url") and len(words) > 1 else key
    _tunnel(cli).webvpn.pop(full, None)


# ---- global webvpn ---------------------------------------------------------------------------
def do_webvpn_enable(cli: CliSession, nameif: str) -> None:
    config = cli.device.config
    if config.interface_by_nameif(nameif) is None:
        raise CliError(message("interface_missing", name=nameif))
    if nameif not in config.webvpn.enabled_on:
        config.webvpn.enabled_on.append(nameif)
        cli.write(f"INFO: WebVPN and DTLS are enabled on '{nameif}'.\n")


def do_webvpn_no_enable(cli: CliSession, nameif: str) -> None:
    enabled = cli.device.config.webvpn.enabled_on
    if nameif in enabled:
        enabled.remove(nameif)


def do_anyconnect_image(cli: CliSession, path: str, order: str) -> None:
    if not order.isdigit():
        raise BadWord(3)
    if not path.startswith(("disk0:/", "flash:/", "disk1:/")):
        raise CliError(f"ERROR: Unable to load {path}: file not found")
    cli.device.config.webvpn.images[int(order)] = path


def do_no_anyconnect_image(cli: CliSession, path: str, *_: str) -> None:
    images = cli.device.config.webvpn.images
    for order, existing in list(images.items()):
        if existing == path:
            del images[order]


def do_anyconnect_profiles(cli: CliSession, name: str, path: str) -> None:
    cli.device.config.webvpn.profiles[name] = path


def do_no_anyconnect_profiles(cli: CliSession, name: str, *_: str) -> None:
    cli.device.config.webvpn.profiles.pop(name, None)


def _webvpn_flag(attr: str, value: bool) -> Callable[[CliSession], None]:
    def handler(cli: CliSession) -> None:
        setattr(cli.device.config.webvpn, attr, value)

    return handler


# ---- vpn load-balancing (syntax unverified, asa-cli.md §2.1) ---------------------------------
def do_lb_interface(cli: CliSession, role: str, nameif: str) -> None:
    which = keyword(role, ("lbpublic", "lbprivate"))
    if which is None:
        raise BadWord(1)
    if cli.device.config.interface_by_nameif(nameif) is None:
        raise CliError(message("interface_missing", name=nameif))
    cli.device.config.load_balancing.interfaces[which] = nameif


def do_lb_nat(cli: CliSession, address: str) -> None:
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        raise BadWord(1) from None
    cli.device.config.load_balancing.nat = address


def do_lb_priority(cli: CliSession, value: str) -> None:
    if not value.isdigit() or not 1 <= int(value) <= 10:
        raise BadWord(1)
    cli.device.config.load_balancing.priority = int(value)


def do_lb_cluster_ip(cli: CliSession, address: str) -> None:
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        raise BadWord(3) from None
    cli.device.config.load_balancing.cluster_ip = address


def do_lb_cluster_port(cli: CliSession, value: str) -> None:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise BadWord(2)
    cli.device.config.load_balancing.cluster_port = int(value)


def do_lb_cluster_key(cli: CliSession, secret: str) -> None:
    cli.device.config.load_balancing.cluster_key = secret


def _lb_set(attr: str, value: object) -> Callable[..., None]:
    def handler(cli: CliSession, *_: str) -> None:
        setattr(cli.device.config.load_balancing, attr, value)

    return handler


def do_lb_no_interface(cli: CliSession, role: str, *_: str) -> None:
    which = keyword(role, ("lbpublic", "lbprivate"))
    if which is None:
        raise BadWord(2)
    cli.device.config.load_balancing.interfaces.pop(which, None)


# ---- username attributes ---------------------------------------------------------------------
def do_username_attribute(cli: CliSession, rest: str) -> None:
    if not rest:
        raise BadWord(0)


def _commands() -> dict[str, list[Command]]:
    return {
        "config-if": [
            cmd("nameif {}", do_nameif),
            cmd("no nameif", _set_flag("nameif", None)),
            cmd("security-level {}", do_security_level),
            cmd("no security-level", _set_flag("security_level", None)),
            cmd("ip address {} {}", do_ip_address),
            cmd("no ip address *", do_no_ip_address),
            cmd("shutdown", _set_flag("shutdown", True)),
            cmd("no shutdown", _set_flag("shutdown", False)),
        ],
        "config-group-policy": [
            cmd("webvpn", do_gp_webvpn),
            *[
                cmd(f"no {key} *", lambda c, r, k=key: do_gp_no_attribute(c, f"{k} {r}"))
                for key in GP_ATTRIBUTES
            ],
            *[
                cmd(f"{key} *", lambda c, r, k=key: do_gp_attribute(c, f"{k} {r}"))
                for key in GP_ATTRIBUTES
            ],
        ],
        "config-group-webvpn": [
            *[
                cmd(f"no {key} *", lambda c, r, k=key: do_gp_webvpn_no(c, f"{k} {r}"))
                for key in GP_WEBVPN_ATTRIBUTES
            ],
            *[
                cmd(f"{key} *", lambda c, r, k=key: do_gp_webvpn_attribute(c, f"{k} {r}"))
                for key in GP_WEBVPN_ATTRIBUTES
            ],
        ],
        "config-tunnel-general": [
            *[
                cmd(f"no {key} *", lambda c, r, k=key: do_tg_general_no(c, f"{k} {r}"))
                for key in TG_GENERAL
            ],
            *[
                cmd(f"{key} *", lambda c, r, k=key: do_tg_general(c, f"{k} {r}"))
                for key in TG_GENERAL
            ],
        ],
        "config-tunnel-webvpn": [
            *[
                cmd(f"no {key} *", lambda c, r, k=key: do_tg_webvpn_no(c, f"{k} {r}"))
                for key in TG_WEBVPN
            ],
            *[
                cmd(f"{key} *", lambda c, r, k=key: do_tg_webvpn(c, f"{k} {r}"))
                for key in TG_WEBVPN
            ],
        ],
        "config-webvpn": [
            cmd("enable {}", do_webvpn_enable),
            cmd("no enable {}", do_webvpn_no_enable),
            cmd("anyconnect image {} {}", do_anyconnect_image),
            cmd("no anyconnect image {} *", do_no_anyconnect_image),
            cmd("anyconnect profiles {} {}", do_anyconnect_profiles),
            cmd("no anyconnect profiles {} *", do_no_anyconnect_profiles),
            cmd("anyconnect enable", _webvpn_flag("anyconnect_enabled", True)),
            cmd("no anyconnect enable", _webvpn_flag("anyconnect_enabled", False)),
            cmd("tunnel-group-list enable", _webvpn_flag("tunnel_group_list", True)),
            cmd("no tunnel-group-list enable", _webvpn_flag("tunnel_group_list", False)),
        ],
        "config-load-balancing": [
            cmd("interface {} {}", do_lb_interface),
            cmd("no interface {} *", do_lb_no_interface),
            cmd("nat {}", do_lb_nat),
            cmd("no nat *", _lb_set("nat", None)),
            cmd("priority {}", do_lb_priority),
            cmd("no priority *", _lb_set("priority", None)),
            cmd("cluster ip address {}", do_lb_cluster_ip),
            cmd("no cluster ip address *", _lb_set("cluster_ip", None)),
            cmd("cluster port {}", do_lb_cluster_port),
            cmd("no cluster port *", _lb_set("cluster_port", None)),
            cmd("cluster key {}", do_lb_cluster_key),
            cmd("no cluster key *", _lb_set("cluster_key", None)),
            cmd("cluster encryption", _lb_set("encryption", True)),
            cmd("no cluster encryption", _lb_set("encryption", False)),
            cmd("participate", _lb_set("participate", True)),
            cmd("no participate", _lb_set("participate", False)),
        ],
        "config-username": [cmd("service-type *", do_username_attribute)],
    }


for _mode, _commands_of_mode in _commands().items():
    # exit leaves only this sub-mode; end returns to privileged mode
    register(_mode, [*_commands_of_mode, cmd("exit", do_exit), cmd("end", do_end)])
