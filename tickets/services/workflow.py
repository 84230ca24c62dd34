"""An agent's day: labels on tickets, macros (a named list of actions run in one click) and
bulk actions from the inbox. Who may: admins define labels and macros; a ticket's agent and
admins apply them to it. Customers never see labels or macros."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from core.cache import rate_take
from rooms import services as engine
from rooms.models import Membership
from tickets import selectors, workflow
from tickets.models import Label, Macro, Ticket, TicketEvent
from tickets.rules import may_act
from tickets.services.assignment import ticket_assign
from tickets.services.conversation import ticket_note_add
from tickets.services.events import TicketChanged, audit, record
from tickets.services.status import ticket_status_set

BULK_MAX = 100


def label_create(*, actor: User, name: str, color: str = "#64748b") -> Label:
    if not actor.is_staff:
        raise PermissionDenied("Only admins define labels.")
    label = Label(name=name.strip(), color=color.strip().lower())
    label.full_clean()
    label.save()
    return label


def macro_create(*, actor: User, name: str, actions: object) -> Macro:
    """Admins define macros (the admin site's form, seed_demo)."""
    if not actor.is_staff:
        raise PermissionDenied("Only admins define macros.")
    macro = Macro(name=name.strip(), actions=workflow.macro_actions_clean(actions))
    macro.full_clean()
    macro.save()
    return macro


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "agent", "category")
        .get(pk=ticket.pk)
    )


def labels_change(ticket: Ticket, *, add: list[str], remove: list[str]) -> list[str]:
    """Inside the caller's transaction; names already cleaned. The ticket's labels after."""
    if add:
        ticket.labels.add(*Label.objects.filter(name__in=add))
    if remove:
        ticket.labels.remove(*Label.objects.filter(name__in=remove))
    return sorted(ticket.labels.values_list("name", flat=True))


@transaction.atomic
def ticket_labels_set(*, ticket: Ticket, actor: User, labels: object) -> Ticket:
    """Set the ticket's labels to exactly ``labels`` (names; an unknown one refuses all)."""
    names = workflow.labels_clean(labels)
    ticket = _locked(ticket)
    if not may_act(ticket, actor):
        raise PermissionDenied("Only the ticket's agent and admins label it.")
    before = set(ticket.labels.values_list("name", flat=True))
    if before == set(names):
        return ticket
    ticket.labels.set(Label.objects.filter(name__in=names))
    row = audit(
        ticket, TicketEvent.Kind.LABELS, actor=actor,
        detail=("Labels: " + ", ".join(sorted(names))) if names else "Labels removed",
    )  # fmt: skip
    record(TicketChanged(ticket, row))
    return ticket


def _desk_reply(ticket: Ticket, sender: User, text: str) -> None:
    """A message in the ticket's conversation, visible to the customer; an admin who is not in
    it joins first."""
    if not Membership.objects.filter(conversation=ticket.conversation, user=sender).exists():
        engine.members_add(
            conversation=ticket.conversation, actor=sender, users=[sender], notify=False
        )
    engine.message_create(conversation=ticket.conversation, sender=sender, body=text)


def _priority_set(ticket: Ticket, priority: str) -> None:
    if ticket.priority != priority:
        ticket.priority = priority
        ticket.save(update_fields=["priority"])


def _macro_step(ticket: Ticket, actor: User, key: str, value: Any) -> tuple[Ticket, str]:
    if key == "reply":
        _desk_reply(ticket, actor, value)
        return ticket, "replied"
    if key == "note":
        ticket_note_add(ticket=ticket, author=actor, body=value)
        return ticket, "added a note"
    if key == "status":
        ticket = ticket_status_set(ticket=ticket, actor=actor, status=value)
        return ticket, f"status → {Ticket.Status(value).label.lower()}"
    if key == "priority":
        _priority_set(ticket, value)
        return ticket, f"priority → {value}"
    if key in ("labels_add", "labels_remove"):
        add, remove = (value, []) if key == "labels_add" else ([], value)
        labels_change(ticket, add=add, remove=remove)
        return ticket, ("+" if add else "−") + ", ".join(value)
    agent = User.objects.get(username=value)
    ticket = ticket_assign(ticket=ticket, agent=agent, actor=actor)
    return ticket, f"assigned to {agent.name}"


@transaction.atomic
def macro_run(*, ticket: Ticket, macro: Macro, actor: User) -> Ticket:
    """Every step of ``macro`` on ``ticket``, or none (a step that is refused undoes the ones
    before). Its steps are checked again as they stand now (a label deleted since)."""
    steps = workflow.macro_actions_clean(macro.actions)
    ticket = _locked(ticket)
    if not may_act(ticket, actor):
        raise PermissionDenied("Only the ticket's agent and admins run macros on it.")
    done = []
    for step in steps:
        ((key, value),) = step.items()
        ticket, what = _macro_step(ticket, actor, key, value)
        done.append(what)
    ticket = _locked(ticket)
    row = audit(
        ticket, TicketEvent.Kind.MACRO, actor=actor,
        detail=f"Macro “{macro.name}”: {'; '.join(done)}"[:500],
    )  # fmt: skip
    record(TicketChanged(ticket, row))
    return ticket


def bulk_action_clean(action: object) -> dict[str, Any]:
    """``{"assign": username}``, ``{"labels_add": [...]}``, ``{"labels_remove": [...]}``,
    ``{"status": s}`` or ``{"macro": id}``: one of them."""
    if not isinstance(action, dict) or len(action) != 1:
        raise ValidationError("action: an object of one key: assign, labels_add, "
                              "labels_remove, status or macro.")  # fmt: skip
    ((key, value),) = action.items()
    if key == "macro":
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not Macro.objects.filter(pk=value).exists()
        ):
            raise ValidationError(f"action: no macro {value!r}.")
        return {key: value}
    if key == "status":
        statuses = [str(s) for s in Ticket.Status.values if s not in ("new", "assigned")]
        if value not in statuses:
            raise ValidationError(f"status: one of {', '.join(statuses)}.")
        return {key: value}
    if key not in ("assign", "labels_add", "labels_remove"):
        raise ValidationError(f"action: unknown action {key!r}.")
    return workflow.macro_actions_clean([{key: value}])[0]


def tickets_bulk(*, actor: User, ticket_ids: object, action: object) -> list[dict[str, Any]]:
    """One action on many tickets. Each ticket on its own: all of the action or none of it,
    with a result per ticket (``{"ticket", "ok"}`` and ``"error"`` when refused). A ticket the
    actor may not see answers "not found" as any other refusal."""
    if not (actor.is_staff or actor.is_agent):
        raise PermissionDenied("Only agents and admins act on tickets.")
    if (
        not isinstance(ticket_ids, list)
        or not ticket_ids
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in ticket_ids)
    ):
        raise ValidationError("tickets: a list of ticket ids.")
    if len(ticket_ids) > BULK_MAX:
        raise ValidationError(f"tickets: at most {BULK_MAX} at once.")
    cleaned = bulk_action_clean(action)
    rate_take(
        scope="tickets-bulk", who=actor.pk, limit=settings.UCHAT_TICKET_BULK_PER_MINUTE,
        window=60, message="Too many bulk actions in a minute; wait a moment.",
    )  # fmt: skip
    results = []
    for ticket_id in dict.fromkeys(ticket_ids):
        ticket = selectors.ticket_for_user(user=actor, ticket_id=ticket_id)
        try:
            if ticket is None:
                raise ValidationError("Ticket not found.")
            _bulk_one(ticket, actor, cleaned)
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            results.append({"ticket": ticket_id, "ok": False, "error": text})
        else:
            results.append({"ticket": ticket_id, "ok": True})
    return results


@transaction.atomic
def _bulk_one(ticket: Ticket, actor: User, action: dict[str, Any]) -> None:
    ((key, value),) = action.items()
    if key == "macro":
        macro_run(ticket=ticket, macro=Macro.objects.get(pk=value), actor=actor)
    elif key == "status":
        ticket_status_set(ticket=ticket, actor=actor, status=value)
    elif key == "assign":
        ticket_assign(ticket=ticket, agent=User.objects.get(username=value), actor=actor)
    else:
        ticket = _locked(ticket)
        if not may_act(ticket, actor):
            raise PermissionDenied("Only the ticket's agent and admins label it.")
        names = set(ticket.labels.values_list("name", flat=True))
        names = names | set(value) if key == "labels_add" else names - set(value)
        ticket_labels_set(ticket=ticket, actor=actor, labels=sorted(names))
