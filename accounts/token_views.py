"""The pages' doors to API tokens and bots: the profile page's "API tokens" section and the
Bots page (/bots/). Forms post here; the services (accounts.tokens, accounts.bots,
accounts.services.bot_create) decide. A token just made is kept in the session until the next
page shows it, once."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import bots, services, tokens
from accounts import selectors as account_selectors
from accounts.http import SignedInRequest
from accounts.models import ApiToken, BotAvatar, User

JUST_MADE = "api-token-just-made"
DAY = 24 * 3600
EXPIRIES = [
    (str(30 * DAY), "30 days"),
    (str(90 * DAY), "90 days"),
    (str(365 * DAY), "1 year"),
    ("never", "Never"),
]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=80, label="Name", help_text="What uses it, e.g. “CI”.")
    expires = forms.ChoiceField(choices=EXPIRIES, initial=str(90 * DAY), label="Expires")

    def expires_in(self) -> int | None:
        value = self.cleaned_data["expires"]
        return None if value == "never" else int(value)


class BotForm(forms.Form):
    name = forms.CharField(max_length=80, label="Name")
    username = forms.CharField(
        max_length=30, required=False, label="Username", help_text="Optional: name-bot by default."
    )
    avatar = forms.ChoiceField(
        choices=BotAvatar.choices, initial=BotAvatar.BOT, widget=forms.RadioSelect, label="Picture"
    )


def may_make_bots(user: User) -> bool:
    try:
        services.bot_create_check(owner=user)
    except PermissionDenied:
        return False
    except ValidationError:  # the cap: they may, once they switch one off
        return True
    return True


def _errors(request: SignedInRequest, exc: ValidationError | PermissionDenied) -> None:
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text or "Not allowed.")


def _keep_once(request: SignedInRequest, token: ApiToken, text: str) -> None:
    request.session[JUST_MADE] = {"id": token.pk, "token": text, "name": token.name}


def just_made(request: SignedInRequest) -> dict[str, Any] | None:
    """The token made by the last post, shown once (it is gone from the session after)."""
    return request.session.pop(JUST_MADE, None)


def _token_make(request: SignedInRequest, user: User) -> None:
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the token a name and an expiry.")
        return
    try:
        token, text = tokens.api_token_create(
            user=user,
            actor=request.user,
            name=form.cleaned_data["name"],
            expires_in=form.expires_in(),
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
        return
    _keep_once(request, token, text)


@login_required
@require_POST
def token_create(request: SignedInRequest) -> HttpResponse:
    _token_make(request, request.user)
    return redirect("/accounts/profile/#api-tokens")


@login_required
@require_POST
def token_revoke(request: SignedInRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    tokens.api_token_delete(token=token)
    messages.success(request, f"Token “{token.name}” revoked: it works nowhere now.")
    return redirect("/accounts/profile/#api-tokens")


def tokens_context(request: SignedInRequest) -> dict[str, Any]:
    """The profile page's "API tokens" section."""
    user = request.user
    return {
        "api_tokens": list(tokens.api_tokens_live(user=user)),
        "api_token_made": just_made(request),
        "token_form": TokenForm(),
        "tokens_allowed": not (user.is_guest or user.is_bot),
    }


def _bot_or_404(request: SignedInRequest, bot_id: int) -> User:
    bot = bots.bot_for_manager(viewer=request.user, bot_id=bot_id)
    if bot is None:
        raise Http404("No such bot.")
    return bot


@login_required
@require_GET
def bot_list(request: SignedInRequest) -> HttpResponse:
    mine = list(bots.bots_for(viewer=request.user).order_by("-is_active", "username"))
    if not mine and not account_selectors.is_team_member(request.user):
        raise Http404("Bots are the team's.")
    live = {b.pk: list(tokens.api_tokens_live(user=b)) for b in mine}
    return render(
        request,
        "accounts/bots.html",
        {
            "bots": [
                {
                    "bot": bot,
                    "tokens": live[bot.pk],
                    "prefix": f"bot{bot.pk}",
                    "revoke_base": f"/bots/{bot.pk}/tokens/",
                }
                for bot in mine
            ],
            "bot_form": BotForm(),
            "token_form": TokenForm(),
            "api_token_made": just_made(request),
            "may_make_bots": may_make_bots(request.user),
        },
    )


@login_required
@require_POST
def bot_create(request: SignedInRequest) -> HttpResponse:
    form = BotForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the bot a name and pick a picture.")
        return redirect("bots")
    try:
        bot = services.bot_create(
            owner=request.user,
            name=form.cleaned_data["name"],
            username=form.cleaned_data["username"].strip(),
            avatar=form.cleaned_data["avatar"],
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
        return redirect("bots")
    messages.success(request, f"Bot @{bot.username} made. Give it a token to use it.")
    return redirect(f"/bots/#bot-{bot.pk}")


@login_required
@require_POST
def bot_token_create(request: SignedInRequest, bot_id: int) -> HttpResponse:
    _token_make(request, _bot_or_404(request, bot_id))
    return redirect(f"/bots/#bot-{bot_id}")


@login_required
@require_POST
def bot_token_revoke(request: SignedInRequest, bot_id: int, token_id: int) -> HttpResponse:
    bot = _bot_or_404(request, bot_id)
    token = get_object_or_404(ApiToken, pk=token_id, user=bot)
    tokens.api_token_delete(token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect(f"/bots/#bot-{bot_id}")


@login_required
@require_POST
def bot_deactivate(request: SignedInRequest, bot_id: int) -> HttpResponse:
    bot = _bot_or_404(request, bot_id)
    bots.bot_deactivate(bot=bot, actor=request.user)
    messages.success(request, f"Bot @{bot.username} switched off; its tokens ended.")
    return redirect("bots")
