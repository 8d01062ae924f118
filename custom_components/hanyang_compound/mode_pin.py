"""The compound's mode PIN for voice: kept as a salted hash, compared in constant time, guesses rate-limited."""

from __future__ import annotations

from collections import deque
import hashlib
import hmac
import secrets
import time
from typing import Final

PIN_LENGTHS: Final = range(4, 9)
HASH_SCHEME: Final = "pbkdf2_sha256"
HASH_ITERATIONS: Final = 120_000
WRONG_PINS_ALLOWED: Final = 3
"""Wrong PINs within LOCKOUT_SECONDS after which the PIN is not checked at all for a while."""
LOCKOUT_SECONDS: Final = 300.0

# Speech-to-text writes a spoken PIN as digits, words or Chinese numerals, depending on engine and language.
_SPOKEN_DIGITS: Final = {
    **{str(digit): str(digit) for digit in range(10)},
    **dict(zip("零〇一二三四五六七八九", "00123456789", strict=True)),
    "两": "2",
    "幺": "1",
}
_DIGIT_WORDS: Final = {
    word: str(digit)
    for digit, word in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    )
} | {"oh": "0"}


def normalize_pin(text: str) -> str | None:
    """Return a typed or spoken PIN as its digits, or None if it is not 4 to 8 digits."""
    digits: list[str] = []
    for word in text.casefold().replace("-", " ").replace(",", " ").split():
        if word in _DIGIT_WORDS:
            digits.append(_DIGIT_WORDS[word])
            continue
        for char in word:
            if char not in _SPOKEN_DIGITS:
                return None
            digits.append(_SPOKEN_DIGITS[char])
    pin = "".join(digits)
    return pin if len(pin) in PIN_LENGTHS else None


def hash_pin(pin: str) -> str:
    """Return the storable hash of a PIN (slow on purpose: run it in an executor)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, HASH_ITERATIONS)
    return f"{HASH_SCHEME}${HASH_ITERATIONS}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored_hash: str) -> bool:
    """Return whether pin is the one stored_hash was made from; False for a malformed hash."""
    try:
        scheme, iterations, salt, digest = stored_hash.split("$")
        if scheme != HASH_SCHEME:
            return False
        candidate = hashlib.pbkdf2_hmac(
            "sha256", pin.encode(), bytes.fromhex(salt), int(iterations)
        )
        return hmac.compare_digest(candidate, bytes.fromhex(digest))
    except ValueError:
        return False


class PinGuard:
    """Counts wrong PINs; after WRONG_PINS_ALLOWED within LOCKOUT_SECONDS, no PIN is accepted for a while."""

    def __init__(self) -> None:
        """Start with no wrong guesses."""
        self._wrong: deque[float] = deque(maxlen=WRONG_PINS_ALLOWED)

    @property
    def locked(self) -> bool:
        """Whether too many wrong PINs were said lately."""
        return (
            len(self._wrong) == WRONG_PINS_ALLOWED
            and time.monotonic() - self._wrong[0] < LOCKOUT_SECONDS
        )

    def record_wrong(self) -> None:
        """Count one wrong PIN."""
        self._wrong.append(time.monotonic())

    def reset(self) -> None:
        """Forget the wrong guesses after a right one."""
        self._wrong.clear()
