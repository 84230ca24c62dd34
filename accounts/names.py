"""What a username or display name may be. People recognise each other by these names, so a
name must not hide characters, reverse text, or imitate someone else (staff and agents above
all): "himanshu" spelt with a Cyrillic i (U+0456) looks exactly like the real one, "Ajay" in
Cyrillic letters alone (U+0410 U+0458 U+0430 U+0443) reads as "Ajay", "Sakth1 Priya" as
"Sakthi Priya", and "Himanshu Ranjan (Admin)", "Sakthi Priya - Support" or "Sakthi Priya HR"
read as the desk's own people."""

import functools
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


# What may follow a protected name and still read as that person: "Sakthi Priya Jr", "... HR",
# "... 2", "... from Acme". Up to this many short words (of at most two letters, or these
# suffixes); digits and role words in any number; anything after "from", "at", "of", "with".
SHORT_TAIL_WORDS = 2
_SUFFIXES = frozenset(
    {"jr", "jnr", "sr", "snr", "ii", "iii", "iv", "hr", "it", "ceo", "cto", "cfo", "coo", "vp"}
    | {"mgr", "ops", "qa", "pr"}
)
_AFFILIATIONS = frozenset({"from", "at", "of", "with"})
# Digits that stand in for letters ("Sakth1", "5akthi"), and i, which 1 imitates as well as l.
_LOOKALIKE_DIGITS = str.maketrans("0123456789i", "olzeasbtbgl")
_WORD_BREAKS = re.compile(r"[\s._'’-]+|[^\w\s]")
_TRAILING_DIGITS = re.compile(r"(?<=\D)(?=\d+$)")


def _loose(text: str) -> str:
    """Case, width, accents, spaces and punctuation folded away: words as they read."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each character Unicode lists as confusable (UTS #39 confusables.txt, the data
    confusable_homoglyphs ships, single characters only) to one member of its set of
    look-alikes: an ASCII letter or digit where the set has one (Cyrillic and fullwidth a to "a"),
    else a letter (never a symbol, which names drop)."""
    parent: dict[str, str] = {}

    def root(char: str) -> str:
        while parent.get(char, char) != char:
            char = parent[char]
        return char

    for char, homoglyphs in confusables.confusables_data.items():
        char = char.strip("\u200e")  # right-to-left letters come wrapped in LRM marks
        for homoglyph in homoglyphs:
            other = homoglyph["c"].strip("\u200e")
            if len(char) == 1 and len(other) == 1 and root(char) != root(other):
                parent[root(other)] = root(char)
    sets: dict[str, list[str]] = {}
    for char in parent:
        sets.setdefault(root(char), []).append(char)
    table = {}
    for root_char, members in sets.items():
        members.append(root_char)
        shown = min(members, key=lambda c: (not (c.isascii() and c.isalnum()), not c.isalnum(), c))
        table.update(dict.fromkeys(members, shown))
    return table


def _skeleton(word: str) -> str:
    """What a word looks like: case, width and accents folded, look-alike letters of other
    alphabets taken as their Latin twins, and digits as the letters they imitate, so
    "Sakth1", "SAKTHI", "5akthi" and "Sakthi" in Cyrillic look-alikes are one word."""
    text = unicodedata.normalize("NFKD", word.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    table = _prototypes()
    text = "".join(table.get(c, c) for c in text).casefold().translate(_LOOKALIKE_DIGITS)
    return "".join(c for c in text if c.isalnum())


def _words(text: str) -> list[str]:
    return [w for w in _WORD_BREAKS.split(text) if w]


def _name_keys(text: str, *, every_part: bool = True) -> set[str]:
    """The forms a name is compared in: the whole name and its parts between separators
    (brackets, spaced dashes, bars, commas, colons; only the first part with ``every_part``
    off), each with role words dropped and the skeletons of its words run together, both as
    written and sorted (so "Ranjan, Himanshu" is "Himanshu Ranjan")."""
    parts = _SEPARATORS.split(text)
    keys = set()
    for part in [text, *(parts if every_part else parts[:1])]:
        words = [_skeleton(w) for w in _words(part) if _loose(w) not in ROLE_WORDS]
        words = [w for w in words if w]
        if words:
            keys.update({"".join(words), "".join(sorted(words))})
    return keys


def _protected_word_runs(text: str) -> set[tuple[str, ...]]:
    """A protected name's words (its first part, role words dropped) as skeletons."""
    part = _SEPARATORS.split(text)[0]
    words = [_skeleton(w) for w in _words(part) if _loose(w) not in ROLE_WORDS]
    return {tuple(w for w in words if w)} - {()}


def _short_tail(words: list[str]) -> bool:
    """Whether what follows a protected name only adds a title, a number or a company."""
    short = 0
    for word in words:
        loose = _loose(word)
        if loose in _AFFILIATIONS:
            return True  # "from Acme Corp": the rest names where the person works
        if loose.isdigit() or loose in ROLE_WORDS:
            continue
        if len(loose) > 2 and loose not in _SUFFIXES:
            return False
        short += 1
    return short <= SHORT_TAIL_WORDS


def _starts_with(text: str, runs: set[tuple[str, ...]]) -> bool:
    """Whether the name is one of ``runs`` (word by word) followed by a short tail, read
    with and without digits split off the ends of words ("Priya2" as "Priya 2")."""
    words = _words(text)
    split = [part for word in words for part in _TRAILING_DIGITS.split(word) if part]
    for candidate in (words, split):
        while candidate and _loose(candidate[0]) in ROLE_WORDS:  # "Support: Sakthi Priya"
            candidate = candidate[1:]
        skeletons = [_skeleton(w) for w in candidate]
        for run in runs:
            if tuple(skeletons[: len(run)]) == run and _short_tail(candidate[len(run) :]):
                return True
    return False


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


# "@everyone" (and its synonyms) and "@here" mention the whole room or who is online
# (rooms.services.notify): no account may be called that.
MENTION_WORDS = frozenset({"everyone", "all", "room", "channel", "here"})


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
    look-alikes, or reads as a staff member's or an agent's name (unless it is theirs): with
    titles, brackets, punctuation, case and spacing ignored, letters compared by their
    confusable skeletons (digits as the letters they imitate), and with a short tail after
    the name ("Jr", "HR", "2", "from Acme") still their name."""
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
        theirs: set[str] = set()
        runs: set[tuple[str, ...]] = set()
        for their_name in (username, display_name, f"{first_name} {last_name}"):
            theirs |= _name_keys(their_name or "", every_part=False)
            runs |= _protected_word_runs(their_name or "")
        if keys & theirs or _starts_with(name, runs):
            raise ValidationError(
                "That name is too like a staff member's or an agent's. Choose another.",
                code="invalid_name",
            )
    return name
