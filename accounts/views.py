from datetime import timedelta
from typing import Any

from allauth.account.internal.stagekit import clear_login
from allauth.account.views import SignupView as AllauthSignupView
from allauth.core.exceptions import RateLimited
from allauth.core.ratelimit import respond_429
from allauth.socialaccount.views import SignupView as AllauthSocialSignupView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services, sms, token_views
from accounts.forms import AccountDeleteForm, NotificationSettingsForm, ProfileForm
from accounts.http import SignedInRequest
from accounts.notification_settings import (
    NotificationSettingsChanges,
    notification_settings_update,
    time_zones,
    tomorrow_morning,
)
from accounts.payloads import person_payload
from core.db_router import replica_reads
from core.forms import apply_service_errors

PROVIDER_NAMES = {"google": "Google", "facebook": "Facebook", "github": "GitHub"}


class AllOrNothingSignupMixin:
    """A sign-up form view, all or nothing: allauth stores the account (User, EmailAddress, the
    number, a social account) before it texts the code, so a text refused by a limit or a
    budget would leave a half-made account holding the number. Here the rows roll back with
    the refusal, and the session goes back to what it held before the form was sent (no
    stashed log-in of a rolled-back account; a pending social sign-up stays, to try again)."""

    request: HttpRequest

    def form_valid(self, form: Any) -> HttpResponse:
        saved = dict(self.request.session.items())
        try:
            with transaction.atomic():
                return super().form_valid(form)  # type: ignore[misc]
        except sms.SmsBudgetExceeded as exc:
            self._session_restore(saved)
            form.add_error("phone", exc.message)
            return self.form_invalid(form)  # type: ignore[attr-defined]
        except RateLimited:
            self._session_restore(saved)
            return respond_429(self.request)

    def _session_restore(self, saved: dict[str, Any]) -> None:
        clear_login(self.request)
        self.request.session.clear()
        self.request.session.update(saved)


class SignupView(AllOrNothingSignupMixin, AllauthSignupView):
    """/accounts/signup/ (before allauth's own in uchat/urls.py)."""


class SocialSignupView(AllOrNothingSignupMixin, AllauthSocialSignupView):
    """/accounts/3rdparty/signup/: the form after a provider log-in that lacked an e-mail
    address or a username (before allauth's own in uchat/urls.py)."""


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: SignedInRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_profile_update(
                user=request.user,
                display_name=form.cleaned_data["display_name"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Profile saved.")
            return redirect("accounts:profile")
    return _profile_render(request, form=form)


def _profile_render(
    request: SignedInRequest,
    *,
    form: ProfileForm | None = None,
    notify_form: NotificationSettingsForm | None = None,
) -> HttpResponse:
    user = request.user
    providers = [PROVIDER_NAMES[p] for p in settings.SOCIALACCOUNT_PROVIDERS]
    notify_form = notify_form or NotificationSettingsForm(
        initial={
            "quiet_start": user.quiet_hours_start,
            "quiet_end": user.quiet_hours_end,
            "time_zone": user.time_zone,
            "email": user.notify_email,
            "push": user.notify_push,
        }
    )
    # The browser's zone (timezone.js's cookie), offered when it differs from the saved one.
    browser_zone = request.COOKIES.get("tz", "")
    if browser_zone in time_zones() and browser_zone != user.time_zone:
        notify_form.fields["time_zone"].help_text = f"Your browser is on {browser_zone}."
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form or ProfileForm(instance=user),
            "notify_form": notify_form,
            "social_providers": providers,
            **token_views.tokens_context(request),
        },
    )


@login_required
@require_POST
def notification_settings(request: SignedInRequest) -> HttpResponse:
    """The profile page's notification settings (the same service as the API's PUT)."""
    form = NotificationSettingsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        changes: NotificationSettingsChanges = {
            "quiet_hours": (
                (data["quiet_start"], data["quiet_end"]) if data["quiet_start"] else None
            ),
            "time_zone": data["time_zone"],
            "email": data["email"],
            "push": data["push"],
        }
        pause = data["pause"]
        if pause == "off":
            changes["dnd_until"] = None
        elif pause == "morning":
            changes["dnd_until"] = tomorrow_morning(time_zone=data["time_zone"])
        elif pause:
            changes["dnd_until"] = timezone.now() + timedelta(seconds=int(pause))
        try:
            notification_settings_update(user=request.user, changes=changes)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Notification settings saved.")
            return redirect(reverse("accounts:profile") + "#profile-notifications")
    return _profile_render(request, notify_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: SignedInRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.user_delete(user=user)
        messages.success(request, "Your account has been deleted.")
        return redirect("dashboard")
    return render(request, "accounts/delete.html", {"form": form})


@login_required
@require_POST
def tour(request: SignedInRequest) -> HttpResponse:
    """The guided tour: "done" (finished or skipped; from tour.js) or "restart" (the menu)."""
    match request.POST.get("action"):
        case "done":
            services.tour_finish(user=request.user)
            return HttpResponse(status=204)
        case "restart":
            services.tour_restart(user=request.user)
            return redirect("dashboard")
    return HttpResponseBadRequest("action must be done or restart")


@login_required
@require_POST
def theme(request: SignedInRequest) -> HttpResponse:
    """The colour mode from the user menu (static/js/theme.js sends it with fetch and gets a
    204; without scripts the form posts here and the page comes back)."""
    try:
        services.user_theme_set(user=request.user, theme=request.POST.get("theme", ""))
    except ValidationError:
        return HttpResponseBadRequest("theme must be light, dark or auto")
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    back = request.POST.get("next") or request.headers.get("Referer") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("dashboard")
    return redirect(back)


@login_required
@require_GET
@replica_reads()  # the people directory may come from a replica (core.db_router)
def user_suggest(request: SignedInRequest) -> JsonResponse:
    """Usernames for the "members" boxes, as the person types."""
    users = selectors.users_suggest(query=request.GET.get("q", "")[:150], viewer=request.user)
    return JsonResponse({"users": [person_payload(u) for u in users]})


@require_GET
def admin_login(request: HttpRequest) -> HttpResponse:
    """Staff log in to /admin/ through allauth like everyone else: two-factor authentication
    and the failed-log-in limits apply (Django's own admin log-in has neither)."""
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
