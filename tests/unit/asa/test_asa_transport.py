"""Transport pieces that need no device: settings from host vars, log redaction, error text."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeshift.asa.converge import converge
from homeshift.asa.transport import (
    ERROR_RE,
    AsaConnection,
    CommandRejected,
    RedactingWriter,
    _error_text,
)

from .conftest import CLUSTER_KEY, FakeCli, desired

HOST_VARS = {
    "ansible_host": "127.1.0.5",
    "ansible_port": "2222",
    "ansible_user": "admin",
    "ansible_password": "Pw-123456",
    "ansible_become_password": "En-654321",
}


def test_connection_from_host_vars() -> None:
    connection = AsaConnection.from_host_vars("asa-01", HOST_VARS, read_timeout=5.0)
    assert (connection.host, connection.port, connection.secret) == ("127.1.0.5", 2222, "En-654321")
    assert connection.read_timeout == 5.0
    assert "Pw-123456" not in repr(connection) and "En-654321" not in repr(connection)
    with pytest.raises(ValueError, match="asa-02: connection variable\\(s\\) ansible_password"):
        AsaConnection.from_host_vars("asa-02", {"ansible_user": "admin"})
    with pytest.raises(ValueError, match="asa-03: ansible_port 'ssh'"):
        AsaConnection.from_host_vars("asa-03", {**HOST_VARS, "ansible_port": "ssh"})


def test_redacting_writer_masks_every_secret(tmp_path: Path) -> None:
    log = tmp_path / "session.log"
    writer = RedactingWriter(log, ["Pw-123456", CLUSTER_KEY])
    writer.write(b"asa-01(config-load-balancing)# cluster key " + CLUSTER_KEY.encode() + b"\n")
    writer.write("password Pw-123456\n")
    writer.close()
    text = log.read_text()
    assert CLUSTER_KEY not in text and "Pw-123456" not in text
    assert "cluster key *****" in text


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            "asa-01(config)# frob\n          ^\nERROR: % Invalid input detected at '^' marker.\n"
            "asa-01(config)# ",
            "ERROR: % Invalid input detected at '^' marker.",
        ),
        (
            "no ip local pool P1\nRemoving pool P1 not allowed, it is being used.\nasa(config)# ",
            "Removing pool P1 not allowed, it is being used.",
        ),
    ],
)
def test_device_errors_are_detected_and_extracted(output: str, message: str) -> None:
    match = ERROR_RE.search(output)
    assert match is not None
    assert _error_text(output, match.start()) == message
    assert ERROR_RE.search("INFO: WebVPN and DTLS are enabled on 'outside'.") is None


class RollbackAlsoFails(FakeCli):
    def configure(self, lines):  # type: ignore[no-untyped-def]
        self.configured.append(list(lines))
        raise CommandRejected(0 if len(self.configured) > 1 else 5, lines[0], "ERROR: no")


def test_failed_rollback_is_reported_loudly_and_nothing_saved() -> None:
    cli = RollbackAlsoFails()
    result = converge(cli, desired(), "merged")
    assert result.failed and not result.saved and cli.saves == 0
    assert "ROLLBACK FAILED" in result.msg and "nothing was saved" in result.msg
