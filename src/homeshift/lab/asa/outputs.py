"""Show-command output in the formats of asa-cli.md §2.4-2.5 (parseable by ntc-templates)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from homeshift.lab.asa.cluster import (
    configured_limit,
    cpu_percent,
    load_percent,
    sessions_of,
)
from homeshift.lab.asa.model import ASA_VERSION, int_to_ip

if TYPE_CHECKING:
    from homeshift.lab.asa.cluster import Cluster
    from homeshift.lab.asa.device import Headend

RULE = "-" * 75
#: ``show curpriv`` mode strings; only P_PRIV is confirmed [P_UNPR, P_CONF unverified]
CURPRIV_MODES = {"user": "P_UNPR", "priv": "P_PRIV", "config": "P_CONF"}
#: ``show vpn load-balancing`` role words (genieparser sample); 9.x images may say
#: Director/Member [unverified]
LB_ROLE_NAMES = ("Master", "Backup")
ENCRYPTION = "AnyConnect-Parent: (1)none  SSL-Tunnel: (1)AES-GCM-256  DTLS-Tunnel: (1)AES-GCM-256"
HASHING = "AnyConnect-Parent: (1)none  SSL-Tunnel: (1)SHA384  DTLS-Tunnel: (1)SHA384"


def asa_time(epoch: float | None = None) -> str:
    """``14:28:09 UTC Tue Mar 17 2020`` (no leading zero on the day, like the ASA)."""
    t = time.gmtime(time.time() if epoch is None else epoch)
    return time.strftime("%H:%M:%S UTC %a %b ", t) + f"{t.tm_mday} {t.tm_year}"


def show_clock() -> str:
    now = time.time()
    t = time.gmtime(now)
    millis = int((now % 1) * 1000)
    return (
        time.strftime("%H:%M:%S", t)
        + f".{millis:03d} UTC "
        + time.strftime("%a %b ", t)
        + f"{t.tm_mday} {t.tm_year}\n"
    )


def show_version(device: Headend) -> str:
    peers = device.licensed_peers
    hostname = device.config.hostname
    return f"""
Cisco Adaptive Security Appliance Software Version {ASA_VERSION}
SSP Operating System Version 2.10(1.162)
Device Manager Version 7.16(1)

Compiled on Thu 18-Aug-22 16:01 GMT by builders
System image file is "boot:/asa9164-smp-k8.bin"
Config file at boot was "startup-config"

{hostname} up {device.uptime()}
Start-up time 22 secs

Hardware:   {device.hardware}, 8192 MB RAM, CPU Xeon E5 series 2300 MHz, 2 CPUs
Model Id:   {device.model}
Internal ATA Compact Flash, 8192MB
BIOS Flash Firmware Hub @ 0x0, 0KB


 0: Ext: GigabitEthernet0/0  : address is 0050.56a1.{device.index:04x}, irq 11
 1: Ext: GigabitEthernet0/1  : address is 0050.56a2.{device.index:04x}, irq 11
 2: Int: Internal-Data0/0    : address is 0000.0100.0001, irq 0
 3: Ext: Management0/0       : address is 0050.56a3.{device.index:04x}, irq 0

License mode: Smart Licensing
ASAv Platform License State: Licensed
Active entitlement: {device.model.lower()}-standard, enforce mode: Authorized

Licensed features for this platform:
Maximum VLANs                     : 50
Inside Hosts                      : Unlimited
Failover                          : Active/Standby
Encryption-DES                    : Enabled
Encryption-3DES-AES               : Enabled
Security Contexts                 : 0
Carrier                           : Disabled
AnyConnect Premium Peers          : {peers}
AnyConnect Essentials             : Disabled
Other VPN Peers                   : {peers}
Total VPN Peers                   : {peers}
AnyConnect for Mobile             : Enabled
AnyConnect for Cisco VPN Phone    : Enabled
Advanced Endpoint Assessment      : Enabled
Shared License                    : Disabled
Total TLS Proxy Sessions          : 2
Botnet Traffic Filter             : Enabled
Cluster                           : Disabled
VPN Load Balancing                : Enabled

Serial Number: {device.serial}
Image type          : Release
Key version         : A

Configuration last modified by enable_15 at {asa_time(device.booted_at)}
"""


def show_curpriv(username: str, mode: str) -> str:
    """Mode strings other than P_PRIV are unverified (asa-cli.md §2.5)."""
    level = 1 if mode == "user" else 15
    mode_string = CURPRIV_MODES.get(mode, CURPRIV_MODES["config"])
    return (
        f"Username : {username}\n"
        f"Current privilege level : {level}\n"
        f"Current Mode/s : {mode_string}\n"
    )


def show_terminal(width: int, pager_lines: int) -> str:
    return f"Width = {width}, no monitor\nterminal interactive\n"


def show_interface_ip_brief(device: Headend) -> str:
    lines = ["Interface                  IP-Address      OK? Method Status                Protocol"]
    for interface in device.config.interfaces.values():
        address = interface.ip or "unassigned"
        method = "CONFIG" if interface.ip else "unset"
        status, proto = ("administratively down", "down") if interface.shutdown else ("up", "up")
        lines.append(f"{interface.hardware:<26} {address:<15} YES {method:<6} {status:<21} {proto}")
    return "\n".join(lines) + "\n"


def show_nameif(device: Headend) -> str:
    lines = ["Interface                Name                     Security"]
    for interface in device.config.interfaces.values():
        if interface.nameif:
            level = interface.security_level if interface.security_level is not None else 0
            lines.append(f"{interface.hardware:<24} {interface.nameif:<24} {level:3d}")
    return "\n".join(lines) + "\n"


def show_cpu_usage(device: Headend) -> str:
    cpu = cpu_percent(device)
    return f"CPU utilization for 5 seconds = {cpu}%; 1 minute: {cpu}%; 5 minutes: {cpu}%\n"


def show_vpn_sessiondb_summary(device: Headend) -> str:
    state = sessions_of(device)
    active, cumulative, peak = state.active, state.cumulative, state.peak
    capacity_total = configured_limit(device)
    load = load_percent(device)
    return (
        f"{RULE}\nVPN Session Summary\n{RULE}\n"
        "                               Active : Cumulative : Peak Concur : Inactive\n"
        "                             ----------------------------------------------\n"
        f"AnyConnect Client            : {active:6d} : {cumulative:10d} : {peak:11d} : {0:8d}\n"
        f"  SSL/TLS/DTLS               : {active:6d} : {cumulative:10d} : {peak:11d} : {0:8d}\n"
        f"{RULE}\n"
        f"Total Active and Inactive    : {active:6d}"
        f"             Total Cumulative : {cumulative:6d}\n"
        f"Device Total VPN Capacity    : {capacity_total:6d}\n"
        f"Device Load                  : {load:5d}%\n"
        f"{RULE}\n{RULE}\nTunnels Summary\n{RULE}\n"
        "                               Active : Cumulative : Peak Concurrent\n"
        "                             ----------------------------------------------\n"
        f"AnyConnect-Parent            : {active:6d} : {cumulative:10d} : {peak:15d}\n"
        f"SSL-Tunnel                   : {active:6d} : {cumulative:10d} : {peak:15d}\n"
        f"DTLS-Tunnel                  : {active:6d} : {cumulative:10d} : {peak:15d}\n"
        f"{RULE}\n"
        f"Totals                       : {3 * active:6d} : {3 * cumulative:10d}\n"
        f"{RULE}\n"
    )


def _duration(seconds: float) -> str:
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    mins, secs = divmod(rest, 60)
    text = f"{hours}h:{mins:02d}m:{secs:02d}s"
    return f"{days}d {text}" if days else text


def show_vpn_sessiondb_anyconnect(device: Headend) -> str:
    state = sessions_of(device)
    if not state.sessions:
        return "INFO: There are presently no active sessions\n"
    now = time.time()
    blocks = []
    for index, (user, ip, public, login, tg, gp, _pool) in state.sessions.items():
        tx = 1000 + index * 7919 % 10_000_000
        rx = 500 + index * 104729 % 10_000_000
        blocks.append(
            f"Username     : {user:<18} Index        : {index}\n"
            f"Assigned IP  : {int_to_ip(ip):<18} Public IP    : {int_to_ip(public)}\n"
            "Protocol     : AnyConnect-Parent SSL-Tunnel DTLS-Tunnel\n"
            "License      : AnyConnect Premium\n"
            f"Encryption   : {ENCRYPTION}\n"
            f"Hashing      : {HASHING}\n"
            f"Bytes Tx     : {tx:<18} Bytes Rx     : {rx}\n"
            f"Group Policy : {gp:<18} Tunnel Group : {tg}\n"
            f"Login Time   : {asa_time(login)}\n"
            f"Duration     : {_duration(now - login)}\n"
            "Inactivity   : 0h:00m:00s\n"
            "VLAN Mapping : N/A                VLAN         : none\n"
            f"Audt Sess ID : {int(login) & 0xFFFFFFFF:08x}{device.index:08x}{index:08x}\n"
            "Security Grp : none\n"
        )
    return "\nSession Type: AnyConnect\n\n" + "\n".join(blocks)


def show_ip_local_pool(device: Headend, name: str) -> str | None:
    pool = device.config.pools.get(name)
    if pool is None:
        return None
    used = sessions_of(device).pool_used.get(name, set())
    mask = pool.mask or "255.255.255.255"
    lines = [
        "Begin           End             Mask            Free     Held     In use",
        f"{int_to_ip(pool.first):<15} {int_to_ip(pool.last):<15} {mask:<15} "
        f"{pool.size - len(used):5d} {0:8d} {len(used):8d}",
        "",
        "Available Addresses:",
    ]
    free_shown = 0
    for offset in range(pool.size):
        if offset not in used:
            lines.append(int_to_ip(pool.first + offset))
            free_shown += 1
            if free_shown >= 1000:
                break
    lines += ["", "In Use Addresses:"]
    lines += [int_to_ip(pool.first + offset) for offset in sorted(used)]
    return "\n".join(lines) + "\n"


def show_vpn_load_balancing(device: Headend, cluster: Cluster | None) -> str:
    """Master/Backup terminology as in the genieparser sample (newer images: unverified)."""
    lb = device.config.load_balancing
    if cluster is None or not lb.present:
        return "ERROR: VPN load-balancing is not configured\n"
    director, members = cluster.cluster_of(device)
    status = "Enabled" if lb.participate and device in members else "Disabled"
    director_name, member_name = LB_ROLE_NAMES
    role = (
        director_name if director is device else (member_name if device in members else "Unknown")
    )
    encryption = "Enabled" if lb.encryption else "Disabled"
    peers = len(members)
    rule = "-" * 74
    out = [
        rule,
        "Status     Role     Failover   Encryption   Peers     Cluster IP",
        rule,
        f"{status:<10} {role:<8} n/a        {encryption:<12} {peers:5d}     {lb.cluster_ip}",
        "",
        "Peers:",
        rule,
        "Role    Pri  Model             Load-Balancing Version  Public IP",
        rule,
    ]
    for member in members:
        mark = "*" if member is device else ""
        member_role = director_name if member is director else member_name
        out.append(
            f"{member_role:<7} {member.config.load_balancing.effective_priority:3d}  "
            f"{'ASA-V' + member.model[4:] if member.model.startswith('ASAv') else member.model:<17}"
            f"{4:>22}  {member.outside_ip}{mark}"
        )
    out += [
        "",
        "Total License Load:",
        rule,
        "AnyConnect Premium/Essentials        Other VPN         Public IP",
        "-----------------------------   ---------------------",
        "Limit    Used   Load          Limit    Used   Load",
        rule,
    ]
    for member in members:
        mark = "*" if member is device else ""
        used = sessions_of(member).active
        load = load_percent(member)
        out.append(
            f"{configured_limit(member):7d} {used:7d} {load:6d}%       "
            f"{member.licensed_peers:7d} {0:7d} {0:6d}%  {member.outside_ip}{mark}"
        )
    return "\n".join(out) + "\n"
