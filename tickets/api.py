"""The desk over the API, with the error shape and paging of the REST API."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import SignedInApiRequest
from accounts.models import User
from core.api import PAGING_PARAMETERS, page_params
from core.paging import keyset_page
from rooms.api import ConversationMessagesApi
from rooms.models import Conversation
from tickets import payloads, selectors, services
from tickets.models import TEXT_MAX_LENGTH, Availability, Ticket


def _ticket(request: SignedInApiRequest, ticket_id: int) -> Ticket:
    ticket = selectors.ticket_for_user(user=request.user, ticket_id=ticket_id)
    if ticket is None:
        raise Http404
    return ticket


class TicketListApi(APIView):
    @extend_schema_serializer(component_name="TicketOpenInput")
    class InputSerializer(serializers.Serializer):
        subject = serializers.CharField(max_length=150)
        description = serializers.CharField(max_length=TEXT_MAX_LENGTH)
        category = serializers.CharField(max_length=80, required=False, allow_blank=True)
        priority = serializers.ChoiceField(
            choices=Ticket.Priority.choices, default=Ticket.Priority.NORMAL
        )

    @extend_schema(
        parameters=PAGING_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        summary="Tickets I may see, newest first",
        operation_id="tickets_list",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        limit, start = page_params(request)
        page, next_start = keyset_page(
            selectors.tickets_visible_to(user=request.user),
            key="pk",
            start=start,
            limit=limit,
            descending=True,
        )
        return Response({"tickets": [payloads.ticket_payload(t) for t in page], "next": next_start})

    @extend_schema(
        request=InputSerializer, responses={201: OpenApiTypes.OBJECT}, summary="Raise a ticket"
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        name = data.validated_data.get("category") or ""
        category = selectors.category_active(name=name)
        if name and category is None:
            raise serializers.ValidationError({"category": [f"No such category: {name}."]})
        ticket = services.ticket_open(
            customer=request.user,
            subject=data.validated_data["subject"],
            description=data.validated_data["description"],
            category=category,
            priority=data.validated_data["priority"],
        )
        return Response(payloads.ticket_payload(ticket), status=status.HTTP_201_CREATED)


class TicketDetailApi(APIView):
    @extend_schema_serializer(component_name="TicketChangeInput")
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=[*Ticket.Status.choices, ("reopened", "Reopen")],
            required=False,
            help_text="customers: closed, or reopened (a resolved ticket); agents: in_progress, "
            "waiting, resolved; admins: any allowed move",
        )
        agent_id = serializers.IntegerField(required=False, help_text="admins: assign or reassign")

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="A ticket with its history")
    def get(self, request: SignedInApiRequest, ticket_id: int) -> Response:
        ticket = _ticket(request, ticket_id)
        history = [
            payloads.event_payload(e) for e in ticket.events.select_related("actor", "agent")
        ]
        return Response({**payloads.ticket_payload(ticket), "history": history})

    @extend_schema(
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="Change status or agent",
    )
    def patch(self, request: SignedInApiRequest, ticket_id: int) -> Response:
        ticket = _ticket(request, ticket_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "agent_id" in data.validated_data:
            if not request.user.is_staff:
                raise PermissionDenied("Only admins assign tickets.")
            agent = get_object_or_404(User, pk=data.validated_data["agent_id"])
            ticket = services.ticket_assign(ticket=ticket, agent=agent, actor=request.user)
        new_status = data.validated_data.get("status")
        if new_status == "reopened":
            ticket = services.ticket_reopen(ticket=ticket, actor=request.user)
        elif new_status:
            ticket = services.ticket_status_set(
                ticket=ticket, actor=request.user, status=new_status
            )
        return self.get(request, ticket.pk)


class TicketMessageListApi(ConversationMessagesApi):
    def conversation(self, request: SignedInApiRequest, object_id: int) -> Conversation:
        return _ticket(request, object_id).conversation

    @extend_schema(
        parameters=PAGING_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        summary="The ticket's conversation",
    )
    def get(self, request: SignedInApiRequest, ticket_id: int) -> Response:
        return self.history(request, ticket_id)

    @extend_schema(
        request=ConversationMessagesApi.InputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Write on the ticket",
    )
    def post(self, request: SignedInApiRequest, ticket_id: int) -> Response:
        return self.send(request, ticket_id)


class AgentAvailabilityApi(APIView):
    """An agent's own availability: online (auto-assignment gives them work), away or
    offline. Agents only."""

    @extend_schema_serializer(component_name="AgentAvailabilityInput")
    class InputSerializer(serializers.Serializer):
        availability = serializers.ChoiceField(choices=Availability.choices)

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="My availability")
    def get(self, request: SignedInApiRequest) -> Response:
        if not request.user.is_agent:
            raise PermissionDenied("Only agents have an availability.")
        return Response({"availability": services.agent_availability_get(agent=request.user)})

    @extend_schema(request=InputSerializer, responses={200: OpenApiTypes.OBJECT}, summary="Set it")
    def put(self, request: SignedInApiRequest) -> Response:
        if not request.user.is_agent:
            raise PermissionDenied("Only agents have an availability.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.agent_availability_set(
            agent=request.user, availability=data.validated_data["availability"]
        )
        return Response({"availability": profile.availability})
