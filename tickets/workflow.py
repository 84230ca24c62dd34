"""The shapes of macros' and automation rules' JSON, checked in one place: the admin site,
the API and the services read them only through these functions. Each step is an object of
one key, e.g. ``{"status": "waiting"}``; a bad one raises ValidationError saying which."""

from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import User
from tickets.models import TEXT_MAX_LENGTH, Category, Label, Ticket

Step = dict[str, Any]

# A macro's steps (run in order) and what each one's value is.
MACRO_ACTIONS = {
    "reply": "text sent to the customer as the agent",
    "note": "an internal note",
    "status": "in_progress, waiting, resolved or closed",
    "priority": "low, normal, high or urgent",
    "labels_add": "a list of label names",
    "labels_remove": "a list of label names",
    "assign": "an agent's username",
}
RULE_CONDITIONS = {
    "subject_contains": "text (any case)",
    "description_contains": "text (any case)",
    "category_is": "a category's name",
    "priority_is": "low, normal, high or urgent",
    "label_has": "a label's name",
    "source_is": "web, email, widget or chat",
    "customer_domain_is": "an e-mail domain, e.g. example.com",
}
RULE_ACTIONS = {
    "assign_agent": "an agent's username",
    "assign_category": "a category's name (the ticket goes to an agent of it)",
    "priority": "low, normal, high or urgent",
    "labels_add": "a list of label names",
    "reply": "text sent to the customer as the desk",
    "notify": 'a username, or "admins"',
}
MACRO_STATUSES = (
    Ticket.Status.IN_PROGRESS,
    Ticket.Status.WAITING,
    Ticket.Status.RESOLVED,
    Ticket.Status.CLOSED,
)
MAX_STEPS = 20


def _text(value: object, what: str, *, limit: int = TEXT_MAX_LENGTH) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{what}: give some text.")
    if len(value.strip()) > limit:
        raise ValidationError(f"{what}: at most {limit} characters.")
    return value.strip()


def _choice(value: object, what: str, choices: list[str]) -> str:
    if value not in choices:
        raise ValidationError(f"{what}: one of {', '.join(choices)}.")
    return str(value)


def labels_clean(value: object, what: str = "labels") -> list[str]:
    """Label names as stored (their own spelling), each an existing label; unknown → error."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"{what}: a list of label names.")
    known = {label.name.lower(): label.name for label in Label.objects.all()}
    unknown = [v for v in value if v.strip().lower() not in known]
    if unknown:
        raise ValidationError(f"{what}: no such label: {', '.join(unknown)}.", code="no_label")
    return list(dict.fromkeys(known[v.strip().lower()] for v in value))


def _agent(value: object, what: str) -> str:
    if not isinstance(value, str) or not (
        User.objects.filter(username=value, is_active=True, is_agent=True).exists()
    ):
        raise ValidationError(f"{what}: no active agent with the username {value!r}.")
    return value


def _category(value: object, what: str) -> str:
    if not isinstance(value, str) or not Category.objects.filter(name__iexact=value).exists():
        raise ValidationError(f"{what}: no category {value!r}.")
    return str(Category.objects.get(name__iexact=value).name)


def _steps(value: object, known: dict[str, str], what: str) -> list[tuple[str, object]]:
    if not isinstance(value, list):
        raise ValidationError(f'{what}: a list of steps such as {{"{next(iter(known))}": …}}.')
    if len(value) > MAX_STEPS:
        raise ValidationError(f"{what}: at most {MAX_STEPS} steps.")
    steps = []
    for step in value:
        if not isinstance(step, dict) or len(step) != 1:
            raise ValidationError(f"{what}: each step is an object of one key.")
        ((key, inner),) = step.items()
        if key not in known:
            raise ValidationError(f"{what}: unknown step {key!r}; known: {', '.join(known)}.")
        steps.append((key, inner))
    return steps


PRIORITIES = [str(p) for p in Ticket.Priority.values]


def macro_actions_clean(value: object) -> list[Step]:
    out: list[Step] = []
    for key, inner in _steps(value, MACRO_ACTIONS, "actions"):
        if key in ("reply", "note"):
            out.append({key: _text(inner, key)})
        elif key == "status":
            out.append({key: _choice(inner, key, [str(s) for s in MACRO_STATUSES])})
        elif key == "priority":
            out.append({key: _choice(inner, key, PRIORITIES)})
        elif key in ("labels_add", "labels_remove"):
            out.append({key: labels_clean(inner, key)})
        else:
            out.append({key: _agent(inner, key)})
    if not out:
        raise ValidationError("actions: a macro does at least one thing.")
    return out


def rule_conditions_clean(value: object) -> list[Step]:
    out: list[Step] = []
    for key, inner in _steps(value, RULE_CONDITIONS, "conditions"):
        if key in ("subject_contains", "description_contains"):
            out.append({key: _text(inner, key, limit=200)})
        elif key == "category_is":
            out.append({key: _category(inner, key)})
        elif key == "priority_is":
            out.append({key: _choice(inner, key, PRIORITIES)})
        elif key == "label_has":
            out.append({key: labels_clean([inner] if isinstance(inner, str) else inner, key)[0]})
        elif key == "source_is":
            out.append({key: _choice(inner, key, [str(s) for s in Ticket.Source.values])})
        else:
            domain = _text(inner, key, limit=253).lower().lstrip("@")
            if "." not in domain or "@" in domain or " " in domain:
                raise ValidationError(f"{key}: a domain such as example.com.")
            out.append({key: domain})
    return out


def rule_actions_clean(value: object) -> list[Step]:
    out: list[Step] = []
    for key, inner in _steps(value, RULE_ACTIONS, "actions"):
        if key == "assign_agent":
            out.append({key: _agent(inner, key)})
        elif key == "assign_category":
            out.append({key: _category(inner, key)})
        elif key == "priority":
            out.append({key: _choice(inner, key, PRIORITIES)})
        elif key == "labels_add":
            out.append({key: labels_clean(inner, key)})
        elif key == "reply":
            out.append({key: _text(inner, key)})
        else:
            if inner != "admins" and (
                not isinstance(inner, str)
                or not User.objects.filter(username=inner, is_active=True).exists()
            ):
                raise ValidationError(f'notify: a username, or "admins"; not {inner!r}.')
            out.append({key: inner})
    if not out:
        raise ValidationError("actions: a rule does at least one thing.")
    return out


def condition_holds(ticket: Ticket, key: str, value: Any) -> bool:
    """Whether ``{key: value}`` (cleaned) holds for ``ticket`` now."""
    if key == "subject_contains":
        return value.lower() in ticket.subject.lower()
    if key == "description_contains":
        return value.lower() in ticket.description.lower()
    if key == "category_is":
        return ticket.category is not None and ticket.category.name.lower() == value.lower()
    if key == "priority_is":
        return ticket.priority == value
    if key == "label_has":
        return ticket.labels.filter(name__iexact=value).exists()
    if key == "source_is":
        return ticket.source == value
    if key == "customer_domain_is":
        email = ((ticket.customer.email if ticket.customer else "") or "").lower()
        return email.rsplit("@", 1)[-1] == value if "@" in email else False
    raise ValueError(key)


def help_text(known: dict[str, str]) -> str:
    return "; ".join(f'{{"{key}": {what}}}' for key, what in known.items())
