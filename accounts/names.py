"""What a username or display name may be. People recognise each other by these names, so a
name must not hide characters, reverse text, or imitate someone else (staff and agents above
all): "himanshu" spelt with a Cyrillic i (U+0456) looks exactly like the real one, and
"Himanshu Ranjan (Admin)" or "Sakthi Priya - Support" read as the desk's own people."""

import re
import unicodedata

from confusable_homoglyphs import confusables
from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import User

# Invisible or text-reversing characters: bidi controls, zero-width spaces and marks. (The
# zero-width joiner U+200D stays: emoji sequences need it.)
_HIDDEN = re.compile(
    "[\u061c\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
MAX_COMBINING_RUN = 2


# Words that say a role rather than a name: "Sakthi Priya (Support)" and "Admin: Himanshu"
# are the agent's and the admin's names with a title added.
_ROLE_WORDS = (
    "admin administrator agent support staff team desk helpdesk help care customer service "
    "services moderator mod official operator manager owner from at of the"
)
ROLE_WORDS = frozenset(_ROLE_WORDS.split())
# Where a name's parts separate: "Name (Suffix)", "Name - Company", "Title: Name", "Last, First".
_SEPARATORS = re.compile(r"[()\[\]{}<>|,:;/\\@·•–—]|\s-\s")


def _loose(text: str) -> str:
    """Case, width, accents, spaces and punctuation folded away: for "too like" checks."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


def _name_keys(text: str, *, every_part: bool = True) -> set[str]:
    """The forms a name is compared in: the whole name and its parts between separators
    (brackets, spaced dashes, bars, commas, colons; only the first part with ``every_part``
    off), each with role words dropped and its words run together, both as written and
    sorted (so "Ranjan, Himanshu" is "Himanshu Ranjan")."""
    parts = _SEPARATORS.split(text)
    keys = set()
    for part in [text, *(parts if every_part else parts[:1])]:
        words = [_loose(w) for w in re.split(r"[\s._'’-]+|[^\w\s]", part)]
        words = [w for w in words if w and w not in ROLE_WORDS]
        if words:
            keys.update({"".join(words), "".join(sorted(words))})
    return keys


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
    look-alikes, or reads as a staff member's or an agent's name (unless it is theirs), with
    titles, brackets, punctuation, case and spacing ignored."""
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    if not name:
        return ""
    _check_characters(name, "display name")
    keys = _name_keys(name)
    protected = (
        User.objects.filter(models.Q(is_staff=True) | models.Q(is_agent=True), is_active=True)
        .exclude(pk=user.pk)
        .values_list("username", "display_name", "first_name", "last_name")
    )
    for username, display_name, first_name, last_name in protected:
        theirs = set()
        for their_name in (username, display_name, f"{first_name} {last_name}"):
            theirs |= _name_keys(their_name or "", every_part=False)
        if keys & theirs:
            raise ValidationError(
                "That name is too like a staff member's or an agent's. Choose another.",
                code="invalid_name",
            )
    return name
