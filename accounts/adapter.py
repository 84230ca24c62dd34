from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.contrib.sites.models import Site

from accounts import names, services, tasks


class AccountAdapter(DefaultAccountAdapter):
    """allauth hooks: e-mails are rendered in the request and sent by a Celery task."""

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

    def clean_username(self, username: str, shallow: bool = False) -> str:
        username = super().clean_username(username, shallow=shallow)
        names.username_check(username)
        return username


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    """Signing out other devices (/accounts/sessions/) also closes their sockets at once."""

    def end_sessions(self, sessions: Any) -> None:
        sessions = list(sessions)
        for session in sessions:
            services.session_sockets_close(session_key=session.session_key)
        super().end_sessions(sessions)
