from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts import services
from accounts.models import Role, User


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


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "display_name", "role", "is_active", "date_joined"]
    list_filter = [RoleFilter, "is_active", "is_superuser"]
    search_fields = ["username", "email", "display_name"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("uchat", {"fields": ("display_name", "is_agent")}),
    )

    @admin.display(description="role")
    def role(self, obj: User) -> str:
        return obj.role.label

    # Every door through the services: deleting or deactivating here does what the account
    # page does (tokens and sockets end, rooms keep an admin, an agent's tickets move on).
    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        deactivated = change and "is_active" in form.changed_data and not obj.is_active
        if deactivated:
            obj.is_active = True  # the service makes the change and its consequences
        super().save_model(request, obj, form, change)
        if deactivated:
            services.user_active_set(user=obj, active=False)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.user_delete(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_delete(user=user)
