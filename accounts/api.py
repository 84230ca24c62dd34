"""Log-in, tokens and people over the API (the seed chat server's /login and /users)."""

import hashlib

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import selectors, services
from accounts.models import User
from uchat import api_errors
from uchat.api import PAGING_PARAMETERS, page_params
from uchat.api_errors import ApiError


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
        login = data.validated_data["username"].strip()
        # Hashed: any text can arrive here, and cache keys must stay plain.
        failures_key = "api-login-failed:" + hashlib.sha256(login.lower().encode()).hexdigest()
        if cache.get(failures_key, 0) >= settings.UCHAT_API_LOGIN_FAILURES:
            raise ApiError(429, api_errors.THROTTLED, "Too Many Failed Logins")
        username = login
        if "@" in login:
            by_email = User.objects.filter(email__iexact=login).first()
            username = by_email.username if by_email else login
        user = authenticate(request, username=username, password=data.validated_data["password"])
        if user is None:
            cache.add(failures_key, 0, 300)
            cache.incr(failures_key)
            raise ApiError(401, api_errors.INVALID_CREDENTIALS, "Invalid Username Or Password")
        if not EmailAddress.objects.filter(user=user, verified=True).exists():
            raise ApiError(403, api_errors.FORBIDDEN, "Confirm Your E-mail Address First")
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if totp is not None:
            code = data.validated_data.get("code")
            if not code:
                raise ApiError(401, api_errors.TWO_FACTOR_REQUIRED, "Two-Factor Code Required")
            if not totp.wrap().validate_code(code):
                raise ApiError(401, api_errors.INVALID_CREDENTIALS, "Invalid Two-Factor Code")
        cache.delete(failures_key)
        refresh = RefreshToken.for_user(user)
        return Response(
            {
                **user_payload(user),
                "token": str(refresh.access_token),
                "refresh_token": str(refresh),
            }
        )


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
            token = RefreshToken(data.validated_data["refresh_token"])
        except TokenError:
            raise ApiError(401, api_errors.INVALID_TOKEN, "Invalid Token") from None
        return Response({"token": str(token.access_token)})


class UserListApi(APIView):
    def get_permissions(self) -> list:
        if self.request.method == "POST":
            return [IsAuthenticated(), IsAdminUser()]
        return [IsAuthenticated()]

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
    def get(self, request: Request) -> Response:
        limit, start = page_params(request)
        users, next_start = selectors.users_page(start=start, limit=limit)
        return Response({"users": [user_payload(u) for u in users], "next": next_start})

    @extend_schema(
        request=InputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Create a person (staff)",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(creator=request.user, **data.validated_data)
        return Response(user_payload(user), status=status.HTTP_201_CREATED)
