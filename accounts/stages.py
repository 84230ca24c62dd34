"""allauth's log-in stages, with one change for people who signed up by mobile number."""

from typing import Any

from allauth.account import app_settings
from allauth.account.stages import EmailVerificationStage as AllauthEmailVerificationStage


class EmailVerificationStage(AllauthEmailVerificationStage):
    """E-mail verification stays mandatory for anyone with an e-mail address and no verified
    mobile number. A person whose number is verified (the phone stage runs first) has a
    verified way to log in: an e-mail address they also gave is verified as if optional (a
    link is sent at sign-up, and it does not block the log-in)."""

    def handle(self) -> tuple[Any, bool]:
        user = self.login.user
        mandatory = app_settings.EmailVerificationMethod.MANDATORY
        if (
            self.login.email_verification == mandatory
            and user is not None
            and user.pk is not None
            and type(user).objects.filter(pk=user.pk, phone_verified=True).exists()
        ):
            self.login.email_verification = app_settings.EmailVerificationMethod.OPTIONAL
        return super().handle()
