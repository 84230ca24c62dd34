"""The invite page, /invite/<token>/: a signed-in person joins the room; an anonymous visitor
is asked to sign up or log in, and the link waits in their session. Thin: the rules are
rooms.services.invites."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import User
from rooms import invites, selectors
from rooms.services import invites as invite_services


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, token: str) -> HttpResponse:
    found = invites.invite_by_token(token=token)
    problem = invites.UNKNOWN if found is None else invites.invite_problem(found)
    user = request.user if isinstance(request.user, User) else None
    member = bool(
        found is not None
        and user is not None
        and selectors.membership_get(user=user, conversation=found.conversation)
    )
    if found is None or (problem is not None and not member):
        # 404 for a token that names nothing, 410 for a link that stopped working.
        gone = {"problem": problem, "title": "Invite link"}
        return render(request, "rooms/invite.html", gone, status=404 if found is None else 410)
    room = found.conversation
    if request.method == "POST":
        if user is None:
            return redirect_to_login(request.get_full_path())
        try:
            room = invite_services.invite_accept(token=token, user=user)
        except ValidationError as exc:
            refused = {"problem": exc.messages[0], "title": "Invite link"}
            return render(request, "rooms/invite.html", refused, status=410)
        request.session.pop(invite_services.SESSION_KEY, None)  # used: no sign-up redeems it
        if not member:
            messages.success(request, f"You joined #{room.name}.")
        return redirect("rooms:detail", room_id=room.pk)
    if user is None:
        invite_services.invite_keep(request=request, token=token)
    context: dict[str, Any] = {
        "invite": found,
        "room": room,
        "member": member,
        "members": invites.member_count(room=room),
        "next": request.get_full_path(),
        "title": f"Join #{room.name}",
    }
    return render(request, "rooms/invite.html", context)
