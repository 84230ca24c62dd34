"""What a username or display name may be. People recognise each other by these names, so a
name must not hide characters, reverse text, or imitate someone else (a staff member above
all): "himanshu" spelt with a Cyrillic i (U+0456) looks exactly like the real one."""

import re
import unicodedata

from confusable_homoglyphs import confusables
from django.core.exceptions import ValidationError

from accounts.models import User

# Invisible or text-reversing characters: bidi controls, zero-width spaces and marks. (The
# zero-width joiner U+200D stays: emoji sequences need it.)
_HIDDEN = re.compile(
    "[\u061c\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
MAX_COMBINING_RUN = 2


def _loose(text: str) -> str:
    """Case, width, accents, spaces and punctuation folded away: for "too like" checks."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


def _check_characters(text: str, what: str) -> None:
    if _HIDDEN.search(text) or any(
        unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in text
    ):
        raise ValidationError(
            f"The {what} has invisible or control characters.", code="invalid_name"
        )
    run = 0
    for char in text:
        run = run + 1 if unicodedata.combining(char) else 0
        if run > MAX_COMBINING_RUN:
            raise ValidationError(f"The {what} stacks too many accents.", code="invalid_name")
    if confusables.is_dangerous(text):
        raise ValidationError(
            f"The {what} mixes alphabets with look-alike letters.", code="invalid_name"
        )


def username_check(username: str) -> None:
    """Raise ValidationError for a username that hides characters or imitates by look-alikes."""
    _check_characters(username, "username")


def person_names_clean(first_name: str, last_name: str, *, user: User) -> tuple[str, str]:
    """First and last name, each cleaned like a display name, and together not a staff
    member's name: they are shown as the person's name when no display name is set."""
    first = display_name_clean(first_name, user=user)
    last = display_name_clean(last_name, user=user)
    display_name_clean(f"{first} {last}", user=user)
    return first, last


def display_name_clean(name: str, *, user: User) -> str:
    """NFKC-normalised, single-spaced; refused when it hides characters, imitates by
    look-alikes, or reads as a staff member's name (unless it is theirs)."""
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    if not name:
        return ""
    _check_characters(name, "display name")
    loose = _loose(name)
    staff = User.objects.filter(is_staff=True, is_active=True).exclude(pk=user.pk)
    for username, display_name in staff.values_list("username", "display_name"):
        if loose and loose in {_loose(username), _loose(display_name or "")}:
            raise ValidationError(
                "That name is too like a staff member's. Choose another.", code="invalid_name"
            )
    return name
