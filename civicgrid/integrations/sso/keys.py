"""The RSA key that signs the ID tokens (OIDC_RSA_PRIVATE_KEY): read from the environment, checked.

Imported by the settings modules: no Django models here.
"""

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

MIN_KEY_BITS = 2048


def signing_key_from(value: str, path: str = "") -> str:
    """The PEM from the variable (newlines may be written as \\n, as in .env) or else from the file."""
    pem = (value or "").replace("\\r\\n", "\n").replace("\\n", "\n").strip()
    if not pem and path:
        pem = Path(path).read_text(encoding="ascii").strip()
    return pem + "\n" if pem else ""


def check_signing_key(pem: str) -> None:
    """Refuse anything but an unencrypted RSA private key of at least 2048 bits."""
    if not pem:
        raise ImproperlyConfigured(
            "OIDC_RSA_PRIVATE_KEY (or OIDC_RSA_PRIVATE_KEY_FILE) must hold the RSA private key (PEM) "
            "that signs the ID tokens of the platform's OpenID Connect provider."
        )
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as error:
        raise ImproperlyConfigured(
            f"OIDC_RSA_PRIVATE_KEY is not a readable PEM private key: {error}"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_KEY_BITS:
        raise ImproperlyConfigured(f"OIDC_RSA_PRIVATE_KEY must be an RSA key of ≥ {MIN_KEY_BITS} bits.")


def generate_signing_key() -> str:
    """A new 2048-bit RSA key as PKCS#8 PEM (development .env, tests)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
