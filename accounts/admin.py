from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UserChangeForm,
    UsernameField,
)
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts import services, tokens
from accounts.http import staff_user
from accounts.models import ApiToken, Role, User


class RoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(Role.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        match self.value():
            case Role.ADMIN:
                return queryset.filter(is_staff=True)
            case Role.AGENT:
                return queryset.filter(is_staff=False, is_agent=True)
            case Role.CUSTOMER:
                return queryset.filter(~Q(is_staff=True), is_agent=False)
        return queryset


class UserAddForm(AdminUserCreationForm):
    """The admin's "add user" page asks for the e-mail too, and checks it and the username
    with the rules of accounts.services.user_create, which then stores the account."""

    email = forms.EmailField(help_text="Taken as confirmed: staff vouch for it.")

    class Meta:
        model = User
        fields = ("username", "email")
        field_classes = {"username": UsernameField}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        username, email = cleaned.get("username"), cleaned.get("email")
        if username and email:
            try:
                services.user_new_check(username=username, email=email)
            except ValidationError as exc:
                field = "email" if getattr(exc, "code", "") == "email_taken" else "username"
                self.add_error(field, exc)
        return cleaned


class UserEditForm(UserChangeForm):
    """The change page checks a new e-mail address and a change of admin or superuser rights
    with the rules of the services that store them (accounts.services.user_email_change,
    user_staff_set, user_superuser_set), so a refusal shows on the form and nothing is saved."""

    actor: User | None = None  # set per request by UserAdmin.get_form

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "username" in self.changed_data and cleaned.get("username"):
            try:  # a rename must not take "@here" or a user group's name either
                services.username_mention_check(username=cleaned["username"])
            except ValidationError as exc:
                self.add_error("username", exc)
        if "email" in self.changed_data and "email" not in self.errors:
            self._check("email", services.user_email_check, email=cleaned.get("email") or "")
        if "is_staff" in self.changed_data:
            self._check(
                "is_staff", services.user_staff_check, is_staff=bool(cleaned.get("is_staff"))
            )
        if "is_superuser" in self.changed_data:
            self._check(
                "is_superuser",
                services.user_superuser_check,
                is_superuser=bool(cleaned.get("is_superuser")),
            )
        return cleaned

    def _check(self, field: str, check: Any, **value: Any) -> None:
        try:
            check(user=self.instance, actor=self.actor, **value)
        except (ValidationError, PermissionDenied) as exc:
            self.add_error(field, str(exc) if isinstance(exc, PermissionDenied) else exc)


class PasswordForm(AdminPasswordChangeForm):
    """The admin's password page sets (or takes away) a password through the service, so the
    person's tokens, sockets and other sessions end as for any password change."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.user.is_bot and cleaned.get("set_usable_password", True):
            # On the field: the admin's password page shows no form-wide errors.
            self.add_error("password1", "A bot has no password: it uses API tokens.")
        return cleaned

    def save(self, commit: bool = True) -> User:
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data["password1"] if usable else None
        return services.user_password_set(user=self.user, password=password, request=None)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    change_password_form = PasswordForm
    list_display = [
        "username",
        "email",
        "phone",
        "display_name",
        "role",
        "is_active",
        "date_joined",
    ]
    list_filter = [RoleFilter, "is_active", "is_superuser", "team_member", "is_bot", "is_guest"]
    search_fields = ["username", "email", "phone", "display_name"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            "Name, role and phone",
            {"fields": ("display_name", "is_agent", "phone", "phone_verified")},
        ),
        # Bots are made on /bots/ or with POST /api/bots (accounts.services.bot_create).
        (
            "Team, bot or guest",
            {"fields": ("team_member", "is_bot", "bot_owner", "bot_avatar", "is_guest")},
        ),
    )
    readonly_fields = ("is_bot", "is_guest")
    raw_id_fields = ("bot_owner",)
    add_form = UserAddForm
    form = UserEditForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )

    @admin.display(description="role")
    def role(self, obj: User) -> str:
        return obj.role.label

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form, UserEditForm):
            form = type(form.__name__, (form,), {"actor": staff_user(request)})
        return form

    # Every door through the services: adding, deleting, deactivating, making an agent, an
    # admin or a superuser, or changing the e-mail here does what the other doors do (a new
    # address is confirmed by its owner; tokens and sockets end; rooms keep an admin; an agent
    # gets a profile, and a former agent's tickets move on). The admin saves the other fields
    # itself.
    SERVICE_FIELDS = ("email", "is_staff", "is_superuser", "is_agent", "is_active")
    # Rights in the admin site itself: a staff member who is not a superuser sees them and
    # changes none (with change_user they could otherwise give themselves every right).
    SUPERUSER_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Another admin's account (its password page included, where the admin sets a password
        # without the old one) is a superuser's to change: the change permission on people
        # must not open every admin's account.
        if obj is not None and (obj.is_staff or obj.is_superuser):
            actor = staff_user(request)
            if not actor.is_superuser and obj.pk != actor.pk:
                return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and not staff_user(request).is_superuser:
            fields += tuple(f for f in self.SUPERUSER_FIELDS if f not in fields)
        return fields

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            self._add(request, obj, form)
            return
        wanted = {f: getattr(obj, f) for f in self.SERVICE_FIELDS if f in form.changed_data}
        for field in wanted:
            setattr(obj, field, form.initial.get(field))  # the services make these changes
        super().save_model(request, obj, form, change)
        actor = staff_user(request)
        if "email" in wanted:
            services.user_email_change(user=obj, email=wanted["email"] or "", actor=actor)
        if "is_staff" in wanted:
            services.user_staff_set(user=obj, is_staff=wanted["is_staff"], actor=actor)
        if "is_superuser" in wanted:
            services.user_superuser_set(user=obj, is_superuser=wanted["is_superuser"], actor=actor)
        if "is_agent" in wanted:
            services.user_agent_set(user=obj, is_agent=wanted["is_agent"])
        if "is_active" in wanted:
            services.user_active_set(user=obj, active=wanted["is_active"])

    def _add(self, request: HttpRequest, obj: User, form: Any) -> None:
        usable = form.cleaned_data.get("usable_password") != "false"
        user = services.user_create(
            creator=staff_user(request),
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data.get("password1") if usable else None,
        )
        obj.pk = user.pk  # the admin goes on with obj: make it the stored account
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.user_delete(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_delete(user=user)

    # Guests (made by guest invite links): staff turn them into full members.
    actions = ["make_full_member"]

    @admin.action(description="Make selected guests full members")
    def make_full_member(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = 0
        for user in queryset.filter(is_guest=True):
            services.user_guest_set(user=user, is_guest=False)
            count += 1
        self.message_user(request, f"{count} guests are now full members.", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Personal and bots' API tokens: seen by their prefix only (the hash never shows), and
    ended here through the service (their sockets close too). Made by their owners only."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at"]
    list_filter = ["user__is_bot"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "created_by",
        "created_at",
        "expires_at",
        "last_used_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "revoke" ends them through the service
        return actions

    @admin.action(description="Revoke the selected tokens", permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            tokens.api_token_delete(token=token)

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        tokens.api_token_delete(token=obj)
