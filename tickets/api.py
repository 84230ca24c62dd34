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
from tickets import payloads, rules, selectors, services, workflow
from tickets.models import TEXT_MAX_LENGTH, Availability, Label, Macro, Ticket


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
        user = request.user
        return Response(
            {
                "tickets": [
                    payloads.ticket_payload(t, desk=payloads.desk_side(t, user)) for t in page
                ],
                "next": next_start,
            }
        )

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
        return Response(
            payloads.ticket_payload(ticket, desk=payloads.desk_side(ticket, request.user)),
            status=status.HTTP_201_CREATED,
        )


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
        labels = serializers.JSONField(
            required=False, help_text="the ticket's agent and admins: label names (all of them)"
        )

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="A ticket with its history")
    def get(self, request: SignedInApiRequest, ticket_id: int) -> Response:
        ticket = _ticket(request, ticket_id)
        desk = payloads.desk_side(ticket, request.user)
        history = [
            payloads.event_payload(e)
            for e in ticket.events.select_related("actor", "agent")
            if desk or e.kind not in payloads.DESK_ONLY_KINDS
        ]
        return Response({**payloads.ticket_payload(ticket, desk=desk), "history": history})

    @extend_schema(
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="Change status or agent",
    )
    def patch(self, request: SignedInApiRequest, ticket_id: int) -> Response:
        ticket = _ticket(request, ticket_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "labels" in data.validated_data:
            # Checked first: who may, and unknown labels, refuse the whole change.
            if not rules.may_act(ticket, request.user):
                raise PermissionDenied("Only the ticket's agent and admins label it.")
            workflow.labels_clean(data.validated_data["labels"])
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
        if "labels" in data.validated_data:
            ticket = services.ticket_labels_set(
                ticket=ticket, actor=request.user, labels=data.validated_data["labels"]
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


def _desk_only(request: SignedInApiRequest) -> None:
    if not (request.user.is_staff or request.user.is_agent):
        raise PermissionDenied("Labels and macros are the support team's.")


def label_payload(label: Label) -> dict[str, object]:
    return {"id": label.pk, "name": label.name, "color": label.color}


class LabelListApi(APIView):
    @extend_schema_serializer(component_name="LabelInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=40)
        color = serializers.CharField(max_length=7, default="#64748b")

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="The desk's labels")
    def get(self, request: SignedInApiRequest) -> Response:
        _desk_only(request)
        return Response({"labels": [label_payload(label) for label in Label.objects.all()]})

    @extend_schema(
        request=InputSerializer, responses={201: OpenApiTypes.OBJECT}, summary="Define a label"
    )
    def post(self, request: SignedInApiRequest) -> Response:
        if not request.user.is_staff:
            raise PermissionDenied("Only admins define labels.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        label = services.label_create(actor=request.user, **data.validated_data)
        return Response(label_payload(label), status=status.HTTP_201_CREATED)


class MacroListApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="The desk's macros")
    def get(self, request: SignedInApiRequest) -> Response:
        _desk_only(request)
        return Response(
            {"macros": [{"id": m.pk, "name": m.name, "actions": m.actions}
                        for m in Macro.objects.all()]}
        )  # fmt: skip


class MacroRunApi(APIView):
    @extend_schema(
        request=None, responses={200: OpenApiTypes.OBJECT}, summary="Run a macro on a ticket"
    )
    def post(self, request: SignedInApiRequest, ticket_id: int, macro_id: int) -> Response:
        _desk_only(request)
        ticket = _ticket(request, ticket_id)
        macro = get_object_or_404(Macro, pk=macro_id)
        ticket = services.macro_run(ticket=ticket, macro=macro, actor=request.user)
        return TicketDetailApi().get(request, ticket.pk)


class TicketBulkApi(APIView):
    @extend_schema_serializer(component_name="TicketBulkInput")
    class InputSerializer(serializers.Serializer):
        tickets = serializers.JSONField(help_text="ticket ids (at most 100)")
        action = serializers.JSONField(
            help_text='one of {"assign": username}, {"labels_add": [names]}, '
            '{"labels_remove": [names]}, {"status": s}, {"macro": id}'
        )

    @extend_schema(
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="One action on many tickets",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        _desk_only(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        results = services.tickets_bulk(
            actor=request.user,
            ticket_ids=data.validated_data["tickets"],
            action=data.validated_data["action"],
        )
        return Response({"results": results})


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
