"""What looks like a credential: variable names, and URLs with a password (not a rule module)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

#: Words (of a variable name split at ``_ - .`` and camelCase) that name a secret.
SECRET_WORDS = frozenset({
    "PASSWORD", "PASSWD", "PASSPHRASE", "PASS", "PWD", "SECRET", "SECRETS", "TOKEN",
    "CREDENTIAL", "CREDENTIALS", "APIKEY", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY", "AUTHKEY",
})
#: ``<word> KEY`` pairs that name a secret key (``API_KEY``, ``SECRET_KEY`` ...).
KEY_QUALIFIERS = frozenset({
    "API", "ACCESS", "SECRET", "PRIVATE", "ENCRYPTION", "SIGNING", "MASTER", "AUTH", "CLIENT",
    "LICENSE", "APP", "SERVICE", "HMAC", "JWT", "SESSION",
})
#: A last word that makes the variable a reference or a setting, not the secret itself
#: (``POSTGRES_PASSWORD_FILE``, ``TOKEN_TTL``).
NOT_A_SECRET_SUFFIX = frozenset({
    "FILE", "FILES", "PATH", "DIR", "DIRECTORY", "LENGTH", "LEN", "MIN", "MAX", "TTL", "TIMEOUT",
    "EXPIRY", "EXPIRATION", "EXPIRES", "LIFETIME", "AGE", "ENABLED", "ENABLE", "DISABLED",
    "REQUIRED", "POLICY", "TYPE", "HEADER", "ALGORITHM", "ALG", "MODE", "LOCATION", "URL",
    "URI", "ENDPOINT", "HOST", "PORT", "ISSUER", "AUDIENCE", "NAME", "ID", "USER", "USERNAME",
    "SIZE", "COUNT", "HASH", "HASHING", "ROUNDS", "COST", "RESET", "PROVIDER", "REF", "ENV",
    "VAR", "SOURCE", "KIND", "FORMAT", "PREFIX", "SUFFIX", "LIMIT", "LIMITS", "THRESHOLD",
    "INTERVAL", "LEEWAY", "STRENGTH", "COMPLEXITY", "SCOPE", "SCOPES",
})
#: Values that are switches, not secrets (``MYSQL_ALLOW_EMPTY_PASSWORD: "yes"``).
SWITCH_VALUES = frozenset({
    "yes", "no", "true", "false", "on", "off", "y", "n", "0", "1", "enabled", "disabled",
    "none", "null",
})
#: Query parameters that carry a secret in a connection string.
SECRET_PARAMS = frozenset({"password", "pass", "pwd", "passwd", "secret", "token",
                           "access_token", "api_key", "apikey", "sig", "signature"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def words(name: str) -> list[str]:
    spaced = _CAMEL.sub("_", name)
    return [w for w in re.split(r"[_\-.\s]+", spaced.upper()) if w]


def is_secret_name(name: str) -> bool:
    """Whether a variable name says it holds a credential."""
    parts = words(name)
    if not parts or parts == ["PWD"]:  # PWD is the working directory
        return False
    if parts[-1] in NOT_A_SECRET_SUFFIX:
        return False
    for i, word in enumerate(parts):
        if word in SECRET_WORDS:
            return True
        if word == "KEY" and i > 0 and parts[i - 1] in KEY_QUALIFIERS:
            return True
    return False


def is_placeholder_free_secret(value: str) -> bool:
    """Whether ``value`` (already interpolated) is a literal worth reporting."""
    text = value.strip()
    if not text or text.lower() in SWITCH_VALUES:
        return False
    return not text.startswith("/run/secrets/")


def url_secret(value: str) -> str | None:
    """What part of ``value`` is a credential inside a URL: ``"password"``, ``"<param>"``."""
    if "://" not in value:
        return None
    if value[:5].lower() == "jdbc:":
        value = value[5:]
    start = value.find("://")
    scheme = value[:start]
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*(:[A-Za-z][A-Za-z0-9+.\-]*)*$", scheme):
        return None
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return None
    if password:
        return "password"
    for key, val in parse_qsl(parts.query, keep_blank_values=False):
        if key.lower() in SECRET_PARAMS and val:
            return key
    return None
