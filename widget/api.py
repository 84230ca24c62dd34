"""The widget's API (docs/api.md): the host page's loader opens a session (cross-origin, the
Origin checked); the frame reads its state and rates with the visitor's token."""

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from widget import selectors, services
from widget.models import Visitor, Widget


def _cors(response: Any, request: Any, widget: Widget) -> Any:
    """Let the widget's own websites read the answer (and nobody else)."""
    origin = request.headers.get("Origin")
    if widget.is_active and widget.allows(origin):
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


class WidgetSessionCreateApi(APIView):
    """``POST /api/widget/<key>/sessions``: from the loader on a website the widget lists."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="WidgetSessionInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
        email = serializers.EmailField(required=False, allow_blank=True, default="")
        page = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        timezone = serializers.CharField(
            max_length=64, required=False, allow_blank=True, default=""
        )
        # The honeypot: hidden from people, filled in by form-filling bots.
        website = serializers.CharField(
            max_length=200, required=False, allow_blank=True, default=""
        )

    def options(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        """The preflight of the loader's JSON POST: allowed for the widget's websites only."""
        widget = get_object_or_404(Widget, key=kwargs["key"])
        response = Response(status=204)
        if widget.is_active and widget.allows(request.headers.get("Origin")):
            _cors(response, request, widget)
            response["Access-Control-Allow-Methods"] = "POST"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = "600"
        return response

    @extend_schema(
        request=InputSerializer,
        responses={201: inline_serializer("WidgetSession", {"token": serializers.CharField(),
                   "ticket": serializers.IntegerField(),
                   "conversation": serializers.IntegerField()})},
    )  # fmt: skip
    def post(self, request: Request, key: str) -> Response:
        widget = get_object_or_404(Widget, key=key)
        try:
            data = self.InputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            values = data.validated_data
            visitor, token = services.session_create(
                widget=widget,
                origin=request.headers.get("Origin"),
                ip=request.META.get("REMOTE_ADDR", ""),
                name=values["name"],
                email=values["email"],
                page=values["page"],
                timezone_name=values["timezone"],
                user_agent=request.headers.get("User-Agent", ""),
                honeypot=values["website"],
            )
        except Exception as exc:  # the error shape of the API, readable by the website
            return _cors(self.handle_exception(exc), request, widget)
        assert visitor.ticket is not None
        body = {
            "token": token,
            "ticket": visitor.ticket.pk,
            "conversation": visitor.ticket.conversation_id,
        }
        return _cors(Response(body, status=status.HTTP_201_CREATED), request, widget)


def _visitor(request: Request, key: str) -> Visitor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme != "Widget" or not token:
        raise NotAuthenticated("The visitor's token is missing.")
    visitor = services.visitor_for_token(widget_key=key, token=token.strip())
    if visitor is None:
        raise NotAuthenticated("This chat has ended. Start a new one.")
    return visitor


class WidgetStateApi(APIView):
    """``GET /api/widget/<key>/state``: the frame's conversation, for its visitor's token."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, key: str) -> Response:
        return Response(selectors.visitor_state(visitor=_visitor(request, key)))


class WidgetRatingApi(APIView):
    """``POST /api/widget/<key>/rating``: the visitor rates the resolved conversation."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="WidgetRatingInput")
    class InputSerializer(serializers.Serializer):
        rating = serializers.IntegerField(min_value=1, max_value=5)
        comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: dict})
    def post(self, request: Request, key: str) -> Response:
        visitor = _visitor(request, key)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.visitor_rate(visitor=visitor, **data.validated_data)
        return Response(selectors.visitor_state(visitor=visitor), status=status.HTTP_201_CREATED)


def widget_or_404(key: str) -> Widget:
    widget = Widget.objects.filter(key=key, is_active=True).first()
    if widget is None:
        raise Http404
    return widget
