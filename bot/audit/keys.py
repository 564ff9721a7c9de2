"""The audit chain's keys, kept outside the database: `DESKHAND_AUDIT_KEY` or a key file.

A keyring is one or more keys of at least 32 random bytes, written in hex, oldest first: the last
signs new rows, the others stay to verify the rows they signed. `DESKHAND_AUDIT_KEY` holds them
separated by commas or spaces; otherwise the key file (`audit.key_file`, default
`<home>/audit.key`) holds one per line, and is made with a fresh key, readable by its owner only,
the first time Deskhand writes to the log. Rotating is adding a key at the end and restarting.

A key's id, stored in each row it signs, is a fingerprint of the key (an HMAC of a fixed label),
so two replicas that made their own keys never claim the same id for different keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.store.audit import ChainKey
from core.errors import ConfigurationError

__all__ = ["KEY_ENV", "Keyring", "joined_files", "key_id", "load_keyring", "read_key_file"]

KEY_ENV = "DESKHAND_AUDIT_KEY"
KEY_BYTES = 32
_LABEL = b"deskhand audit key id"
_SEPARATORS = re.compile(r"[\s,]+")
_HEX = re.compile(r"^(?:[0-9a-fA-F]{2}){32,}$")
_ADVICE = f"each key is at least {KEY_BYTES} random bytes in hex (`openssl rand -hex {KEY_BYTES}`)"


@dataclass(frozen=True)
class Keyring:
    """Keys oldest first; `source` says where they came from, for messages (never the keys)."""

    keys: tuple[ChainKey, ...]
    source: str

    @property
    def current(self) -> ChainKey:
        if not self.keys:
            raise ConfigurationError(f"No audit key in {self.source}; {_ADVICE}.")
        return self.keys[-1]

    def get(self, wanted: str) -> ChainKey | None:
        return next((key for key in self.keys if key.id == wanted), None)

    def joined(self, other: Keyring) -> Keyring:
        """Both rings' keys (this one's current key stays current), for verifying."""
        known = {key.id for key in self.keys}
        extra = tuple(key for key in other.keys if key.id not in known)
        return Keyring(extra + self.keys, f"{self.source} and {other.source}")


def key_id(secret: bytes) -> str:
    return hmac.new(secret, _LABEL, hashlib.sha256).hexdigest()[:16]


def load_keyring(settings: Settings, *, create: bool) -> Keyring:
    """The configured keyring. For writing (`create`), a missing key file is made with a new
    key and a keyring without keys is refused, at start-up rather than at the first command.

    Blocking (file reads), so call it in a thread from async code.
    """
    path = settings.audit_key_file
    if os.environ.get(KEY_ENV):
        keyring = _parse(os.environ[KEY_ENV], KEY_ENV)
    elif create or path.exists():
        if not path.exists():
            _create_key_file(path)
        keyring = read_key_file(path)
    else:
        keyring = Keyring((), f"{KEY_ENV} or {path}")
    if create:
        keyring.current  # noqa: B018 -- raises the ConfigurationError that names the fix
    return keyring


def read_key_file(path: Path) -> Keyring:
    """The keys in `path`, one per line (`#` starts a comment); refused if others may read it."""
    try:
        if os.name == "posix" and path.stat().st_mode & 0o077:
            raise ConfigurationError(
                f"The audit key file {path} may be read by other users; chmod 600 {path}."
            )
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not text"
        raise ConfigurationError(f"Cannot read the audit key file {path} ({reason}).") from None
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    return _parse(" ".join(lines), str(path))


def _parse(text: str, source: str) -> Keyring:
    tokens = [token for token in _SEPARATORS.split(text) if token]
    for number, token in enumerate(tokens, start=1):
        if not _HEX.match(token):
            # The token itself is never repeated: it may be a key with a typo.
            raise ConfigurationError(f"{source}: key {number} is not a key; {_ADVICE}.")
    return Keyring(tuple(_key(bytes.fromhex(token)) for token in tokens), source)


def _key(secret: bytes) -> ChainKey:
    return ChainKey(key_id(secret), secret)


def _create_key_file(path: Path) -> None:
    """Write a new key where none is: whole or not at all, and the first of racing writers wins."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write("# Deskhand audit chain keys, oldest first; the last signs.\n")
                file.write(secrets.token_hex(KEY_BYTES) + "\n")
                file.flush()
                os.fsync(file.fileno())
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first; its key is the one to use
        finally:
            draft.unlink(missing_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot create the audit key file {path} ({exc.strerror or 'not allowed'}); "
            f"set audit.key_file (DESKHAND_AUDIT__KEY_FILE) or {KEY_ENV}."
        ) from None


def joined_files(keyring: Keyring, paths: Iterable[Path]) -> Keyring:
    """`keyring` plus the keys in each file, for verifying rows other replicas signed."""
    for path in paths:
        keyring = keyring.joined(read_key_file(path))
    return keyring
