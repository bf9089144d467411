"""The lab certificate authority and the desktops' WinRM HTTPS certificates.

One CA per lab (``DIR/windows/ca.pem``, kept across restarts so clients keep trusting it) and
one server certificate per block of :data:`BLOCK` desktop addresses, each listing those addresses
as IP SANs. Per-desktop certificates would cost thousands of TLS contexts; one certificate for all
16,000 addresses would be a 200 KB certificate sent in every handshake. Blocks of 256 keep both
small (63 contexts, about 4 KB per certificate for 16,000 desktops).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

BLOCK = 256
_VALID = dt.timedelta(days=825)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class LabCA:
    """Loads or creates the CA in ``folder`` and issues server certificates."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ca_file = folder / "ca.pem"
        key_file = folder / "ca-key.pem"
        if self.ca_file.exists() and key_file.exists():
            loaded = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
            if not isinstance(loaded, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{key_file} is not an EC key")
            self.key = loaded
            self.cert = x509.load_pem_x509_certificate(self.ca_file.read_bytes())
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "homeshift lab CA")])
            now = dt.datetime.now(dt.UTC)
            self.cert = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(self.key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(
                    x509.KeyUsage(
                        digital_signature=True,
                        key_cert_sign=True,
                        crl_sign=True,
                        content_commitment=False,
                        key_encipherment=False,
                        data_encipherment=False,
                        key_agreement=False,
                        encipher_only=False,
                        decipher_only=False,
                    ),
                    critical=True,
                )
                .sign(self.key, hashes.SHA256())
            )
            folder.mkdir(parents=True, exist_ok=True)
            key_file.write_bytes(_key_pem(self.key))
            key_file.chmod(0o600)
            self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        self._server_key = ec.generate_private_key(ec.SECP256R1())

    def server_context(self, addresses: Sequence[str], name: str) -> ssl.SSLContext:
        """A TLS server context whose certificate covers ``addresses`` (IP SANs)."""
        now = dt.datetime.now(dt.UTC)
        sans: list[x509.GeneralName] = [x509.IPAddress(ipaddress.IPv4Address(a)) for a in addresses]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(self.cert.subject)
            .public_key(self._server_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + _VALID)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        tls_dir = self.folder / "tls"
        tls_dir.mkdir(exist_ok=True)
        chain = tls_dir / f"{name}.pem"
        chain.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM) + _key_pem(self._server_key)
        )
        chain.chmod(0o600)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(chain)
        return context
