from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField as AllauthPhoneField
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts import names, phones, selectors, services, sms, tasks
from accounts.models import User
from core.client_address import address_key


class PhoneField(AllauthPhoneField):
    """allauth's phone input, read with libphonenumber (spaces, dashes, brackets and a
    default region are fine) instead of a bare E.164 pattern."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validators", [])
        kwargs.setdefault("label", "Mobile number")
        kwargs.setdefault("help_text", "With the country code, like +91 98765 43210.")
        super().__init__(*args, **kwargs)


class AccountAdapter(DefaultAccountAdapter):
    """allauth hooks: e-mails are rendered in the request and sent by a Celery task."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Also what a person asking for log-in codes too often reads.
        "too_many_login_attempts": "Too many tries. Wait a few minutes, then try again.",
        "login_password_paused": (
            "Password log-in for this account is paused after many wrong passwords. Use "
            "\u201cSend me a sign-in code\u201d to log in with a code sent to your e-mail "
            "address or mobile number."
        ),
    }

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # What allauth's own send_mail puts in every e-mail's context: without current_site
        # every account e-mail read "Hello from !" (the Site row holds UCHAT_SITE_NAME).
        context = {"email": email, "current_site": Site.objects.get_current(), **context}
        message = self.render_mail(template_prefix, email, context)
        html = None
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        # Fully rendered here: the task needs no database row, so it may run at once.
        tasks.send_email.delay(subject=message.subject, body=message.body, to=message.to, html=html)

    def pre_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> Any:
        """A bot logs in nowhere (no page, no code, no social account): it has only tokens."""
        if getattr(user, "is_bot", False):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)

    def set_password(self, user: AbstractBaseUser, password: str | None) -> None:
        """A bot never gets a password, whatever door asks (a reset link, the admin)."""
        if getattr(user, "is_bot", False) and password is not None:
            raise ValidationError("A bot has no password: it uses API tokens.")
        super().set_password(user, password)

    def clean_username(self, username: str, shallow: bool = False) -> str:
        username = super().clean_username(username, shallow=shallow)
        names.username_check(username)
        # Also when shallow (a social sign-up's made-up name): not "@here", not a group's name.
        services.username_mention_check(username=username)
        return username

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth counts failed log-ins per name ("5/5m/key"), so anyone could lock an owner
        # out by guessing from anywhere. With the client address (its /64 for IPv6) in the key
        # they count per name and address, as the API's do: the guesser is stopped, the owner
        # is not. (The "/ip" rate still caps one address over every name, and
        # UCHAT_LOGIN_FAILED_PER_NAME many addresses over one name.)
        # A number counts as one name however it is typed ("+91 98765 43210", "+919876543210").
        if credentials.get("phone"):
            try:
                number = phones.phone_normalize(credentials["phone"])
                credentials = {**credentials, "username": number, "email": number}
            except ValidationError:
                pass
        key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{key}:{address_key(self.get_client_ip(request))}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        if services.login_password_paused(login=_login_of(credentials)):
            raise self.validation_error("login_password_paused")
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        services.login_password_failed(login=_login_of(credentials))
        super().authentication_failed(request, **credentials)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # An invite link's room, for a person who signed up through it (services.
        # after_login_url_set); else the dashboard.
        return services.after_login_url_take(request=request) or super().get_login_redirect_url(
            request
        )

    def get_login_stages(self) -> list[str]:
        stages = super().get_login_stages()
        mine = "accounts.stages.EmailVerificationStage"
        return [mine if s == "allauth.account.stages.EmailVerificationStage" else s for s in stages]

    # --- Mobile numbers (allauth's phone support; the number lives on the User row) ---------

    def phone_form_field(self, **kwargs: Any) -> Any:
        return PhoneField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return phones.phone_normalize(phone)

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:
        assert isinstance(user, User)
        services.user_phone_set(user=user, phone=phone, verified=verified)

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        assert isinstance(user, User)
        if not user.phone:
            return None
        return str(user.phone), user.phone_verified

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        # Also how a change of number lands: the new number is written only now, after its
        # code was entered (until then the account keeps the old one).
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str) -> User | None:
        # Only a verified number names an account (to log in by, or to be "taken").
        return User.objects.filter(phone=phone, phone_verified=True, is_active=True).first()

    def send_verification_code_sms(
        self, user: AbstractBaseUser, phone: str, code: str, **kwargs: Any
    ) -> None:
        minutes = max(1, settings.ACCOUNT_PHONE_VERIFICATION_TIMEOUT // 60)
        text = (
            f"{code} is your {Site.objects.get_current().name} code. It works once, for "
            f"{minutes} minutes. Never share it."
        )
        services.sms_queue(phone=phone, text=text)

    def send_account_already_exists_sms(self, phone: str) -> None:
        # Enumeration prevention: the sign-up page looks the same; the owner learns of it.
        site = Site.objects.get_current().name
        text = (
            f"Someone tried to sign up on {site} with this number. You already have an "
            "account: log in instead."
        )
        services.sms_queue(phone=phone, text=text)

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        # A number with no account is texted nothing: anyone can type any number, and each
        # text costs money. The answer still matches a known number's, budget refusal included.
        sms.sms_budget_check(phone=phone)


def _login_of(credentials: dict[str, Any]) -> str:
    return str(
        credentials.get("email") or credentials.get("username") or credentials.get("phone") or ""
    )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Google, Facebook and GitHub log-in (switched on by UCHAT_<PROVIDER>_CLIENT_ID/SECRET).

    An account is never taken over by e-mail alone: a social log-in whose e-mail address
    belongs to an existing account does not enter it (SOCIALACCOUNT_EMAIL_AUTHENTICATION is
    off); the person is told to log in to that account first and connect the provider from
    there, which proves they own it."""

    def validate_disconnect(self, account: Any, accounts: Any) -> None:
        # Keep a verified way in: a password, a verified e-mail or a verified number.
        user = account.user
        others = [a for a in accounts if a.pk != account.pk]
        has_way_in = user.has_usable_password() and selectors.user_contact_verified(user=user)
        if not others and not has_way_in:
            raise ValidationError(
                "This is your only way to log in: set a password (and keep a verified e-mail "
                "address or mobile number) before you disconnect it."
            )


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    """Signing out other devices (/accounts/sessions/) also closes their sockets at once."""

    def end_sessions(self, sessions: Any) -> None:
        sessions = list(sessions)
        for session in sessions:
            services.session_sockets_close(session_key=session.session_key)
        super().end_sessions(sessions)
