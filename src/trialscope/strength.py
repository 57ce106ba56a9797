"""How hard a password or a passcode is to guess, by zxcvbn (Dropbox's estimator: dictionaries, names,
keyboard patterns, repeats, sequences, dates, l33t). A database copied away lets an attacker guess note
passcodes and operator passwords offline at argon2's pace, so a secret must be long enough *and* not among
the guesses such an attacker tries first: ``MIN_SCORE`` 3 ("safely unguessable: moderate protection from
offline slow-hash scenario", about 10^8 guesses or more). ``111111111111`` and ``12345678`` score 0."""

from __future__ import annotations

from collections.abc import Sequence

from zxcvbn import zxcvbn

MIN_SCORE = 3
_MAX_CHECKED = 72  # zxcvbn reads at most this many characters; the rest only adds to a secret's strength


def strong_enough(secret: str, related: Sequence[str] = ()) -> bool:
    """Whether ``secret`` is hard enough to guess; ``related``: words an attacker would try with it (the
    operator's name, the site's name)."""
    words = [w for w in related if w]
    return int(zxcvbn(secret[:_MAX_CHECKED], user_inputs=[*words, "trialscope"])["score"]) >= MIN_SCORE
