from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.http import SignedInRequest
from notifications import selectors, services


@login_required
@require_GET
def notification_list(request: SignedInRequest) -> HttpResponse:
    start = request.GET.get("start")
    page, next_start = selectors.notifications_for_user(
        user=request.user, start=int(start) if start and start.isdigit() else None, limit=50
    )
    return render(
        request, "notifications/list.html", {"notifications": page, "next_start": next_start}
    )


@login_required
@require_POST
def notification_read_all(request: SignedInRequest) -> HttpResponse:
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("notifications:list")
