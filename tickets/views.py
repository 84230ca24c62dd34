import csv
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.http import SignedInRequest
from accounts.models import User
from core import api_errors
from core.db_router import replica_reads
from core.forms import apply_service_errors
from rooms import selectors as room_selectors
from rooms.models import Message
from rooms.views import chat_context
from tickets import charts, hooks, payloads, rules, selectors, services, tokens
from tickets.forms import (
    INBOX_VIEW_LABELS,
    AgentCreateForm,
    AssignForm,
    FeedbackForm,
    InboxFilterForm,
    NoteForm,
    PlatformFeedbackForm,
    StatusForm,
    TicketOpenForm,
)
from tickets.models import InternalNote, Ticket


def _ticket_or_404(request: SignedInRequest, ticket_id: int) -> Ticket:
    ticket = selectors.ticket_for_user(user=request.user, ticket_id=ticket_id)
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def _staff_only(request: SignedInRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("Only admins can do that.")


@login_required
def ticket_list(request: SignedInRequest) -> HttpResponse:
    user = request.user
    queue = user.is_agent and not user.is_staff
    tickets = selectors.tickets_list(
        user=user,
        status=request.GET.get("status", ""),
        priority=request.GET.get("priority", ""),
        query=request.GET.get("q", "").strip()[:100],
        queue=queue,
    )
    context = {
        "tickets": tickets[:200],
        "queue": queue,
        "counts": selectors.status_counts() if user.is_staff else None,
        "statuses": Ticket.Status.choices,
        "priorities": Ticket.Priority.choices,
        "filters": request.GET,
    }
    return render(request, "tickets/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_open(request: SignedInRequest) -> HttpResponse:
    form = TicketOpenForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_open(
                customer=request.user,
                subject=data["subject"],
                description=data["description"],
                category=data["category"],
                priority=data["priority"],
                images=data["images"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, f"Ticket {ticket.number} raised. We will get back to you soon."
            )
            return redirect("tickets:detail", ticket_id=ticket.pk)
    return render(request, "tickets/open.html", {"form": form})


@login_required
def ticket_detail(request: SignedInRequest, ticket_id: int) -> HttpResponse:
    ticket = _ticket_or_404(request, ticket_id)
    user = request.user
    is_agent = ticket.agent_id == user.pk
    is_customer = ticket.customer_id == user.pk
    staff_side = user.is_staff or is_agent
    rated = selectors.feedback_current(ticket=ticket)
    member = room_selectors.membership_get(user=user, conversation=ticket.conversation) is not None
    context = {
        "opening_images": selectors.opening_images(ticket=ticket),
        "sla_breached": ticket.sla_breached(),
        "can_join": user.is_staff and not member and ticket.status != Ticket.Status.CLOSED,
        "can_take": user.is_agent and not member and ticket.agent_id is None and ticket.is_open,
        "ticket": ticket,
        "is_agent": is_agent,
        "is_customer": is_customer,
        "staff_side": staff_side,
        "history": [
            (payloads.event_text(e), e.created_at)
            for e in ticket.events.select_related("actor", "agent")
            if staff_side or e.kind not in payloads.DESK_ONLY_KINDS
        ],
        "notes": ticket.notes.select_related("author") if staff_side else None,
        "note_form": NoteForm() if staff_side else None,
        "canned": selectors.canned_replies() if is_agent else None,
        "status_form": StatusForm(initial={"status": ticket.status}) if staff_side else None,
        "next_statuses": [
            (s, Ticket.Status(s).label)
            for s in rules.statuses_offered(ticket, user)
            if staff_side  # the status box is for the desk's side
        ],
        "assign_form": AssignForm(initial={"agent": ticket.agent_id})
        if user.is_staff and ticket.is_open
        else None,
        # Rendered for a customer who has not rated, shown once the ticket is rateable (live).
        "feedback_form": FeedbackForm() if is_customer and not rated else None,
        "customer_may": rules.customer_may(ticket),
        # "You rated this help": the customer's own words; the desk sees the feedback list.
        "rated": rated if is_customer else None,
        "all_feedback": ticket.feedback.all() if staff_side else None,
        "chat": chat_context(request, ticket.conversation, readonly=not member),
        "may_act": rules.may_act(ticket, user),
        **(_workflow_context(user) if staff_side else {}),
        "replying_seconds": settings.UCHAT_TICKET_REPLYING_SECONDS,
    }
    return render(request, "tickets/detail.html", context)


def _ticket_action(
    request: SignedInRequest,
    ticket_id: int,
    act: Callable[[Ticket, dict[str, Any]], str],
    *,
    form_class: type[forms.Form] | None = None,
    invalid: str = "",
) -> HttpResponse:
    """The ticket page's small forms: check the input, call one service, say what happened.
    ``act`` returns the success message; a service refusal is shown with its reason."""
    ticket = _ticket_or_404(request, ticket_id)
    data: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, invalid)
            return redirect("tickets:detail", ticket_id=ticket.pk)
        data = form.cleaned_data
    try:
        messages.success(request, act(ticket, data))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return _back(request, ticket)


def _back(request: SignedInRequest, ticket: Ticket) -> HttpResponse:
    """Back where the form was: the inbox (its ``next``, this site's inbox only) or the
    ticket's page."""
    back = request.POST.get("next", "")
    inbox = reverse("tickets:inbox")
    if back.startswith(inbox) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return redirect(back)
    return redirect("tickets:detail", ticket_id=ticket.pk)


@login_required
@require_POST
def ticket_status(request: SignedInRequest, ticket_id: int) -> HttpResponse:
    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        services.ticket_status_set(ticket=ticket, actor=request.user, status=data["status"])
        return "Status updated."

    return _ticket_action(
        request, ticket_id, act, form_class=StatusForm, invalid="Choose a status."
    )


@login_required
@require_POST
def ticket_reopen(request: SignedInRequest, ticket_id: int) -> HttpResponse:
    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        services.ticket_reopen(ticket=ticket, actor=request.user)
        return f"{ticket.number} reopened."

    return _ticket_action(request, ticket_id, act)


@login_required
@require_POST
def ticket_assign(request: SignedInRequest, ticket_id: int) -> HttpResponse:
    _staff_only(request)

    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        services.ticket_assign(ticket=ticket, agent=data["agent"], actor=request.user)
        return f"Assigned to {data['agent'].name}."

    return _ticket_action(
        request, ticket_id, act, form_class=AssignForm, invalid="Choose an agent."
    )


@login_required
@require_POST
def ticket_take(request: SignedInRequest, ticket_id: int) -> HttpResponse:
    """An agent takes an unassigned ticket for themselves."""

    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        services.ticket_assign(ticket=ticket, agent=request.user, actor=request.user)
        return f"{ticket.number} is yours."

    return _ticket_action(request, ticket_id, act)


@login_required
@require_POST
def ticket_join(request: SignedInRequest, ticket_id: int) -> HttpResponse:
    """An admin joins the ticket's conversation (live, and may post)."""

    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        services.ticket_join(ticket=ticket, admin=request.user)
        return "You joined the conversation: the customer and agent see what you write."

    return _ticket_action(request, ticket_id, act)


@login_required
def inbox(request: SignedInRequest) -> HttpResponse:
    """The desk's inbox: the ticket list (live), the chosen ticket's conversation, and the
    customer panel. For agents and admins."""
    user = request.user
    if not (user.is_staff or user.is_agent):
        raise PermissionDenied("The inbox is for agents and admins.")
    form = InboxFilterForm(request.GET or None, user=user)
    filters = form.cleaned_data if form.is_valid() else {}
    view = filters.get("view") or ("all" if user.is_staff else "mine")
    tickets = selectors.inbox_tickets(
        user=user,
        view=view,
        status=filters.get("status") or "",
        priority=filters.get("priority") or "",
        category=filters["category"].pk if filters.get("category") else None,
        label=filters["label"].pk if filters.get("label") else None,
    )[:100]
    query = request.GET.copy()
    query.pop("ticket", None)
    query.pop("partial", None)
    query.pop("selected", None)
    context: dict[str, Any] = {
        "form": form,
        "view": view,
        "views": [(v, label) for v, label in INBOX_VIEW_LABELS if v != "all" or user.is_staff],
        "tickets": tickets,
        "query": query.urlencode(),
        "now": timezone.now(),
        **_workflow_context(user),
        # The team beside the list (availability, open load).
        "team": services.agents_with_load(),
        "replying_seconds": settings.UCHAT_TICKET_REPLYING_SECONDS,
    }
    chosen = request.GET.get("ticket") or request.GET.get("selected") or ""
    context["selected_id"] = int(chosen) if chosen.isdigit() else None
    if request.GET.get("partial") == "list":
        return render(request, "tickets/_inbox_list.html", context)
    ticket = (
        selectors.ticket_for_user(user=user, ticket_id=int(chosen)) if chosen.isdigit() else None
    )
    if ticket is not None:
        member = (
            room_selectors.membership_get(user=user, conversation=ticket.conversation) is not None
        )
        context.update(
            ticket=ticket,
            member=member,
            chat=chat_context(request, ticket.conversation, readonly=not member),
            customer=selectors.customer_summary(customer=ticket.customer),
            customer_facts=hooks.facts_for(ticket),  # the widget: page, browser, time zone
            next_statuses=[
                (s, Ticket.Status(s).label) for s in rules.statuses_offered(ticket, user)
            ] if (user.is_staff or ticket.agent_id == user.pk) else [],
            assign_form=AssignForm(initial={"agent": ticket.agent_id})
            if user.is_staff and ticket.is_open else None,
            canned=selectors.canned_replies() if ticket.agent_id == user.pk else None,
            # Who may write internal notes (ticket_note_add): they show in the timeline.
            can_note=user.is_staff or ticket.agent_id == user.pk,
            notes=[_note_payload(n) for n in ticket.notes.select_related("author")]
            if (user.is_staff or ticket.agent_id == user.pk) else [],
            here=f"{reverse('tickets:inbox')}?{request.GET.urlencode()}",
            may_act=rules.may_act(ticket, user),
        )  # fmt: skip
    return render(request, "tickets/inbox.html", context)


def _workflow_context(user: User) -> dict[str, Any]:
    """What the bulk bar, the macro menu and the label editor offer (the desk's side only)."""
    labels = list(selectors.labels())
    return {
        "labels": labels,
        "labels_json": [{"name": label.name, "color": label.color} for label in labels],
        "macros": list(selectors.macros()),
        "bulk_agents": list(selectors.agents_active()) if user.is_staff else [],
        "bulk_statuses": [
            (s, Ticket.Status(s).label)
            for s in (Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING, Ticket.Status.RESOLVED,
                      Ticket.Status.CLOSED)
        ],
    }  # fmt: skip


def _note_payload(note: InternalNote) -> dict[str, Any]:
    """A note for the staff side of a page (the inbox's timeline): never on a socket."""
    return {
        "id": note.pk,
        "author": note.author.name if note.author else "deleted user",
        "body": note.body,
        "created_at": note.created_at.isoformat(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def ticket_note(request: SignedInRequest, ticket_id: int) -> HttpResponse:
    if request.method == "GET":
        # The notes, for the inbox's timeline (a note added elsewhere shows live): the ticket's
        # agent and admins only, as ticket_note_add.
        ticket = _ticket_or_404(request, ticket_id)
        if not (request.user.is_staff or ticket.agent_id == request.user.pk):
            raise PermissionDenied("Only the ticket's agent and admins read internal notes.")
        notes = ticket.notes.select_related("author")
        return JsonResponse({"notes": [_note_payload(n) for n in notes]})
    if request.headers.get("Accept") == "application/json":
        # The inbox's composer in "Private note" mode: the note, or why not, as JSON.
        ticket = _ticket_or_404(request, ticket_id)
        form = NoteForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"error": "A note cannot be empty."}, status=400)
        try:
            note = services.ticket_note_add(
                ticket=ticket, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            return JsonResponse({"error": exc.messages[0]}, status=400)
        return JsonResponse(_note_payload(note), status=201)

    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        services.ticket_note_add(ticket=ticket, author=request.user, body=data["body"])
        return "Note added (only agents and admins see it)."

    return _ticket_action(
        request, ticket_id, act, form_class=NoteForm, invalid="A note cannot be empty."
    )


@login_required
@require_POST
def ticket_feedback(request: SignedInRequest, ticket_id: int) -> HttpResponse:
    def act(ticket: Ticket, data: dict[str, Any]) -> str:
        services.ticket_feedback_give(ticket=ticket, by=request.user, **data)
        return "Thank you for your feedback!"

    return _ticket_action(
        request, ticket_id, act, form_class=FeedbackForm, invalid="Choose a rating from 1 to 5."
    )


@require_http_methods(["GET", "POST"])
def feedback_link(request: HttpRequest, token: str) -> HttpResponse:
    """The rating link from the "resolved" e-mail: no log-in needed. GET shows the rating the
    link chose, ready to send with one click (mail scanners follow links, so a GET never
    stores); the rating is stored on POST. A rated resolution says so instead of asking again."""
    try:
        ticket, resolution = tokens.feedback_token_read(token)
    except ValidationError as exc:
        return render(request, "tickets/feedback_link.html", {"error": exc.messages[0]}, status=400)
    rated = selectors.feedback_current(ticket=ticket, resolution=resolution)
    if rated is not None:
        return render(request, "tickets/feedback_link.html", {"ticket": ticket, "rated": rated})
    rating = request.GET.get("rating", "")
    form = FeedbackForm(
        request.POST or None,
        initial={"rating": int(rating) if rating in "12345" and rating else None},
    )
    done = None
    if request.method == "POST" and form.is_valid():
        try:
            services.ticket_feedback_give(ticket=ticket, resolution=resolution, **form.cleaned_data)
        except ValidationError as exc:
            return render(
                request, "tickets/feedback_link.html", {"error": exc.messages[0], "ticket": ticket}
            )
        done = True
    return render(
        request, "tickets/feedback_link.html", {"ticket": ticket, "form": form, "done": done}
    )


@login_required
@require_http_methods(["GET", "POST"])
def agent_create(request: SignedInRequest) -> HttpResponse:
    _staff_only(request)
    form = AgentCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agent = services.agent_create(creator=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
            form.add_error(None, exc.messages[0]) if not form.errors else None
        else:
            messages.success(
                request,
                f"Agent {agent.username} created; they were e-mailed a link to set a password.",
            )
            return redirect("tickets:reports")
    return render(request, "tickets/agent_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def agent_welcome(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = account_selectors.active_user(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except ValueError:
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "tickets/agent_welcome.html", {"invalid": True}, status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.user_password_set(
                user=user, password=form.cleaned_data["new_password1"], request=request
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Password set. Log in to see your queue.")
            return redirect("account_login")
    return render(request, "tickets/agent_welcome.html", {"form": form, "agent": user})


@login_required
@replica_reads()  # figures may come from a replica (core.db_router)
def reports(request: SignedInRequest) -> HttpResponse:
    _staff_only(request)
    figures = selectors.satisfaction()
    per_day = selectors.tickets_per_day(days=30)
    medians = selectors.medians_by_priority()
    ratings = selectors.ratings_distribution()
    workload = selectors.agent_workload()
    by_label = selectors.label_counts()

    def minutes(value: timedelta | None) -> float:
        return value.total_seconds() / 60 if value else 0.0

    context = {
        "counts": payloads.status_counts_text(selectors.status_counts()),
        "workload": workload,
        "by_label": by_label,
        "satisfaction": figures,
        "first_response": payloads.duration_text(figures.median_first_response),
        "resolution": payloads.duration_text(figures.median_resolution),
        "per_day": per_day,
        "medians": [
            (label, payloads.duration_text(first), payloads.duration_text(resolution))
            for label, first, resolution in medians
        ],
        "ratings": ratings,
        "sla": selectors.sla_figures(),
        "platform_feedback": selectors.platform_feedback_counts(),
        "chart_days": charts.columns(
            title="Tickets opened and resolved per day, last 30 days",
            labels=[day.strftime("%d %b") for day, _, _ in per_day],
            series=[
                charts.Series("Opened", [o for _, o, _ in per_day]),
                charts.Series("Resolved", [r for _, _, r in per_day]),
            ],
            every=5,
        ),
        "chart_first_response": charts.bars(
            title="Median first response by priority",
            rows=[(label, minutes(f), payloads.duration_text(f)) for label, f, _ in medians],
        ),
        "chart_resolution": charts.bars(
            title="Median resolution by priority",
            rows=[(label, minutes(r), payloads.duration_text(r)) for label, _, r in medians],
        ),
        "chart_ratings": charts.bars(
            title="Ratings given (CSAT)",
            rows=[(f"{'★' * stars} {stars}", n, str(n)) for stars, n in ratings],
        ),
        "chart_load": charts.columns(
            title="Open and resolved tickets per agent",
            labels=[agent.name for agent, _, _ in workload],
            series=[
                charts.Series("Open", [o for _, o, _ in workload]),
                charts.Series("Resolved or closed", [d for _, _, d in workload]),
            ],
        ),
        "chart_labels": charts.columns(
            title="Tickets per label",
            labels=[label.name for label, _, _ in by_label],
            series=[
                charts.Series("Open", [o for _, o, _ in by_label]),
                charts.Series("All", [t for _, _, t in by_label]),
            ],
        )
        if by_label
        else "",
    }
    return render(request, "tickets/reports.html", context)


@login_required
@replica_reads()
def reports_csv(request: SignedInRequest) -> HttpResponse:
    """Every ticket with its times, for a spreadsheet (admins)."""
    _staff_only(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tickets.csv"'
    writer = csv.writer(response)
    writer.writerow(payloads.TICKET_CSV_HEADER)
    for ticket in selectors.tickets_visible_to(user=request.user).order_by("id").iterator():
        writer.writerow(payloads.ticket_csv_row(ticket))
    return response


@login_required
@require_http_methods(["GET", "POST"])
def platform_feedback(request: SignedInRequest) -> HttpResponse:
    """/feedback/: customers and agents write to the admins; admins read it all."""
    user = request.user
    if user.is_staff:
        entries = selectors.platform_feedback_list()
        return render(request, "tickets/platform_feedback.html", {"entries": entries[:200]})
    form = PlatformFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.platform_feedback_give(
                author=user, topic=form.cleaned_data["topic"], body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Thank you! The admins will read it.")
            return redirect("platform-feedback")
    return render(request, "tickets/platform_feedback.html", {"form": form})


@login_required
@require_POST
def ticket_from_message(request: SignedInRequest, message_id: int) -> JsonResponse:
    """ "Turn into ticket" on a room or direct message (chat.js): JSON, for the page's fetch."""
    try:
        ticket = services.ticket_from_message(message_id=message_id, actor=request.user)
    except Message.DoesNotExist:
        return api_errors.json_error(
            api_errors.ApiError(404, api_errors.NOT_FOUND, "No such message.")
        )
    except (PermissionDenied, ValidationError) as exc:
        return api_errors.json_error(exc)
    return JsonResponse(
        {
            "ticket": ticket.pk,
            "number": ticket.number,
            "url": reverse("tickets:detail", args=[ticket.pk]),
        },
        status=201,
    )
