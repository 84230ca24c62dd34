"""Log-in, tokens and people over the API (the seed chat server's /login and /users), and
the person's notification settings."""

from datetime import time
from typing import Any, cast

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError

from accounts import bots, notification_settings, selectors, services, tokens
from accounts.http import SignedInApiRequest
from accounts.models import ApiToken, User
from accounts.permissions import TwoFactorSetUp, credential_permissions
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


class TokenListApi(APIView):
    """The caller's personal API tokens: list them, make one (its text shown this once)."""

    permission_classes = credential_permissions("POST")

    @extend_schema_serializer(component_name="ApiTokenInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=80)
        expires_in = serializers.IntegerField(allow_null=True, required=False, default=None)

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="My API tokens")
    def get(self, request: SignedInApiRequest) -> Response:
        live = tokens.api_tokens_live(user=request.user)
        return Response({"tokens": [tokens.api_token_payload(t) for t in live]})

    @extend_schema(
        request=InputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Make an API token (its text is in this answer only)",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        return token_create_response(request, user=request.user, serializer=self.InputSerializer)


def token_create_response(
    request: SignedInApiRequest, *, user: User, serializer: type[serializers.Serializer]
) -> Response:
    data = serializer(data=request.data)
    data.is_valid(raise_exception=True)
    token, text = tokens.api_token_create(user=user, actor=request.user, **data.validated_data)
    return Response(
        {**tokens.api_token_payload(token), "token": text}, status=status.HTTP_201_CREATED
    )


class TokenDetailApi(APIView):
    @extend_schema(responses={204: None}, summary="End one of my API tokens now")
    def delete(self, request: SignedInApiRequest, token_id: int) -> Response:
        token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
        tokens.api_token_delete(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BotListApi(APIView):
    permission_classes = credential_permissions("POST")

    @extend_schema_serializer(component_name="BotCreateInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=80)
        username = serializers.CharField(max_length=150, required=False, default="")
        avatar = serializers.CharField(max_length=20, required=False, default="")

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        summary="My bots (staff: every bot)",
        operation_id="bots_list",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        return Response({"bots": [bots.bot_payload(b) for b in bots.bots_for(viewer=request.user)]})

    @extend_schema(
        request=InputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Make a bot (staff and room admins)",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bot = services.bot_create(owner=request.user, **data.validated_data)
        return Response(bots.bot_payload(bot), status=status.HTTP_201_CREATED)


def _bot_or_404(request: SignedInApiRequest, bot_id: int) -> User:
    bot = bots.bot_for_manager(viewer=request.user, bot_id=bot_id)
    if bot is None:
        raise Http404
    return bot


class BotDetailApi(APIView):
    permission_classes = credential_permissions("PATCH")

    @extend_schema_serializer(component_name="BotUpdateInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=80, required=False)
        avatar = serializers.CharField(max_length=20, required=False)

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="One of my bots")
    def get(self, request: SignedInApiRequest, bot_id: int) -> Response:
        return Response(bots.bot_payload(_bot_or_404(request, bot_id)))

    @extend_schema(
        request=InputSerializer, responses={200: OpenApiTypes.OBJECT}, summary="Change a bot"
    )
    def patch(self, request: SignedInApiRequest, bot_id: int) -> Response:
        bot = _bot_or_404(request, bot_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bot = bots.bot_update(bot=bot, actor=request.user, **data.validated_data)
        return Response(bots.bot_payload(bot))

    @extend_schema(responses={204: None}, summary="Deactivate a bot (its tokens end)")
    def delete(self, request: SignedInApiRequest, bot_id: int) -> Response:
        bots.bot_deactivate(bot=_bot_or_404(request, bot_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BotTokenListApi(APIView):
    permission_classes = credential_permissions("POST")

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="A bot's API tokens")
    def get(self, request: SignedInApiRequest, bot_id: int) -> Response:
        bot = _bot_or_404(request, bot_id)
        return Response(
            {"tokens": [tokens.api_token_payload(t) for t in tokens.api_tokens_live(user=bot)]}
        )

    @extend_schema(
        request=TokenListApi.InputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Make a token for a bot (its text is in this answer only)",
    )
    def post(self, request: SignedInApiRequest, bot_id: int) -> Response:
        bot = _bot_or_404(request, bot_id)
        return token_create_response(request, user=bot, serializer=TokenListApi.InputSerializer)


class BotTokenDetailApi(APIView):
    @extend_schema(responses={204: None}, summary="End a bot's token now")
    def delete(self, request: SignedInApiRequest, bot_id: int, token_id: int) -> Response:
        bot = _bot_or_404(request, bot_id)
        tokens.api_token_delete(token=get_object_or_404(ApiToken, pk=token_id, user=bot))
        return Response(status=status.HTTP_204_NO_CONTENT)
