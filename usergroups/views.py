from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import selectors as account_selectors
from accounts.http import SignedInRequest
from usergroups import payloads, selectors, services

PAGE_MAX = 500


@login_required
@require_GET
def groups_page(request: SignedInRequest) -> HttpResponse:
    """The Groups page: every group, searched, made, changed and deleted in the page
    (static/js/groups_page.js, through /api/groups). Only the team sees them."""
    if not account_selectors.is_team_member(request.user):
        raise PermissionDenied("User groups are for the team.")
    groups = (
        selectors.groups_visible_to(viewer=request.user)
        .prefetch_related("members")
        .select_related("created_by")[:PAGE_MAX]
    )
    data = {
        "me": request.user.username,
        "groups": [
            {
                **payloads.group_payload(g),
                "can_manage": services.group_can_manage(user=request.user, group=g),
            }
            for g in groups
        ],
    }
    return render(request, "usergroups/groups.html", {"title": "Groups", "data": data})
