"""Log-in, tokens and people over the API (the seed chat server's /login and /users), and
the person's notification settings."""

from datetime import time
from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError

from accounts import notification_settings, selectors, services
from accounts.http import SignedInApiRequest
from accounts.models import User
from accounts.permissions import TwoFactorSetUp
from core import api_errors
from core.api import PAGING_PARAMETERS, page_params
from core.api_errors import ApiError
from core.db_router import replica_reads


def user_payload(user: User) -> dict:
    """What the API shows of a person (never a password or its hash)."""
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "timestamp": user.date_joined.isoformat(),
    }


class LoginApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_scope = "login"

    @extend_schema_serializer(component_name="LoginInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=254, help_text="username or e-mail")
        password = serializers.CharField(max_length=4096, trim_whitespace=False)
        code = serializers.CharField(
            max_length=16, required=False, help_text="authenticator code, when 2FA is on"
        )

    @extend_schema(
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="Log in: a JWT access token and a refresh token",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.api_login(
                request=request,
                login=data.validated_data["username"],
                password=data.validated_data["password"],
                code=data.validated_data.get("code"),
            )
        except services.LoginRefused as refused:
            raise ApiError(*LOGIN_REFUSALS[refused.reason]) from None
        return Response({**user_payload(user), **services.api_tokens_issue(user=user)})


LOGIN_REFUSALS = {
    "throttled": (429, api_errors.THROTTLED, "Too Many Failed Logins"),
    "paused": (
        429,
        api_errors.THROTTLED,
        "Password Log-in Paused For This Account: Log In On The Web With A Sign-in Code",
    ),
    "credentials": (401, api_errors.INVALID_CREDENTIALS, "Invalid Username Or Password"),
    "email_unconfirmed": (403, api_errors.FORBIDDEN, "Confirm Your E-mail Address First"),
    "code_required": (401, api_errors.TWO_FACTOR_REQUIRED, "Two-Factor Code Required"),
    "code_invalid": (401, api_errors.INVALID_CREDENTIALS, "Invalid Two-Factor Code"),
    "two_factor_setup": (
        403,
        api_errors.TWO_FACTOR_SETUP_REQUIRED,
        "Set Up Two-Factor Authentication First",
    ),
}


class TokenRefreshApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="TokenRefreshInput")
    class InputSerializer(serializers.Serializer):
        refresh_token = serializers.CharField()

    @extend_schema(
        request=InputSerializer, responses={200: OpenApiTypes.OBJECT}, summary="A new access token"
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            tokens = services.api_token_refresh(refresh_token=data.validated_data["refresh_token"])
        except TokenError:
            raise ApiError(401, api_errors.INVALID_TOKEN, "Invalid Token") from None
        return Response(tokens)


class UserListApi(APIView):
    def get_permissions(self) -> list:
        if self.request.method == "POST":
            return [IsAuthenticated(), TwoFactorSetUp(), IsAdminUser()]
        return [IsAuthenticated(), TwoFactorSetUp()]

    @extend_schema_serializer(component_name="UserCreateInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)
        email = serializers.EmailField()

    @extend_schema(
        parameters=PAGING_PARAMETERS,
        responses={200: inline_serializer("UserPage", {"users": serializers.ListField()})},
        summary="People, by id; start = the last id seen",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        limit, start = page_params(request)
        with replica_reads():  # the people directory may come from a replica (core.db_router)
            users, next_start = selectors.users_page(viewer=request.user, start=start, limit=limit)
        return Response({"users": [user_payload(u) for u in users], "next": next_start})

    @extend_schema(
        request=InputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Create a person (staff)",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(creator=request.user, **data.validated_data)
        return Response(user_payload(user), status=status.HTTP_201_CREATED)


class NotificationSettingsApi(APIView):
    """The caller's own notification settings: GET reads them, PUT changes the keys given
    (all checked before anything is stored)."""

    @extend_schema_serializer(component_name="QuietHours")
    class QuietHoursSerializer(serializers.Serializer):
        start = serializers.TimeField(input_formats=["%H:%M"])
        end = serializers.TimeField(input_formats=["%H:%M"])

    @extend_schema_serializer(component_name="NotificationSettingsInput")
    class InputSerializer(serializers.Serializer):
        dnd_until = serializers.DateTimeField(required=False, allow_null=True)
        quiet_hours = serializers.JSONField(required=False, allow_null=True)
        email = serializers.BooleanField(required=False)
        push = serializers.BooleanField(required=False)
        time_zone = serializers.CharField(required=False, max_length=64)

        def validate_quiet_hours(self, value: Any) -> tuple[time, time] | None:
            if value is None:
                return None
            hours = NotificationSettingsApi.QuietHoursSerializer(data=value)
            if not isinstance(value, dict) or not hours.is_valid():
                raise serializers.ValidationError(
                    'Give {"start": "HH:MM", "end": "HH:MM"} (both) or null.'
                )
            return hours.validated_data["start"], hours.validated_data["end"]

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            unknown = set(self.initial_data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(f"Unknown keys: {', '.join(sorted(unknown))}.")
            if not attrs:
                raise serializers.ValidationError("Give at least one setting.")
            return attrs

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="My notification settings")
    def get(self, request: SignedInApiRequest) -> Response:
        return Response(notification_settings.notification_settings_payload(request.user))

    @extend_schema(
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="Change my notification settings",
    )
    def put(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = notification_settings.notification_settings_update(
            user=request.user,
            changes=cast(notification_settings.NotificationSettingsChanges, data.validated_data),
        )
        return Response(notification_settings.notification_settings_payload(user))
