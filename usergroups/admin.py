from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.http import staff_user
from usergroups import services
from usergroups.models import UserGroup


@admin.register(UserGroup)
class UserGroupAdmin(admin.ModelAdmin):
    """To look at groups and delete them; people make and change them on the groups page (the
    name and member rules live in usergroups.services)."""

    list_display = ["name", "description", "created_by", "created_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["name", "description", "members", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: UserGroup | None = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: UserGroup) -> None:
        services.group_delete(group=obj, actor=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[UserGroup]) -> None:
        for group in queryset:
            self.delete_model(request, group)
