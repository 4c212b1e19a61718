"""`/catalog/v1/webhooks`: webhook subscriptions for staff (docs/api.md, "Webhooks").

Here, not in `catalog`, because a subscription's URL must pass the private-address rules that
`gateways.addresses` owns (the catalog never imports `gateways`); the rows and the outbox are
the catalog's (`catalog.webhooks`). Staff only: a staff user's DRF token (`Authorization: Token
<key>`) or session; anonymous 401, non-staff 403. The secret is in the 201 answer of `POST` and
in no other answer.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import WebhookSubscription
from catalog.webhooks import stored_filters, webhook_subscription_create
from gateways.addresses import subscription_url_problem
from gateways.webhook_serializers import (
    WebhookCreatedSerializer,
    WebhookCreateSerializer,
    WebhookErrorSerializer,
    WebhookListSerializer,
    WebhookSubscriptionSerializer,
    first_error,
    unknown_keys,
)

NOT_STAFF = {401: WebhookErrorSerializer, 403: WebhookErrorSerializer}
MAX_ID = 2**63 - 1
SUBSCRIPTION_ID = OpenApiParameter(
    "subscription_id",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    OpenApiParameter.PATH,
    description="The subscription's id.",
)


class StaffWebhookView(APIView):
    # Token first: its `WWW-Authenticate: Token` header is what turns "not logged in" into a 401.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAdminUser]
    parser_classes = [JSONParser]


def _shown(subscription: WebhookSubscription) -> dict[str, Any]:
    return WebhookSubscriptionSerializer(subscription).data


def _bad_request(field: str, message: str) -> Response:
    return Response({"detail": f"{field}: {message}", "field": field}, status=status.HTTP_400_BAD_REQUEST)


class WebhookListView(StaffWebhookView):
    @extend_schema(
        tags=["system"],
        summary="Webhook subscriptions",
        operation_id="webhooks_list",
        responses={200: WebhookListSerializer, **NOT_STAFF},
    )
    def get(self, request: Request) -> Response:
        return Response({"data": [_shown(s) for s in WebhookSubscription.objects.order_by("id")]})

    @extend_schema(
        tags=["system"],
        summary="Subscribe a URL to catalog changes",
        operation_id="webhooks_create",
        description=(
            "Creates a subscription and answers 201 with its `id` and its `secret` (`whsec_` + base64 of the signing "
            "key), shown in this answer only. Each publish with changes matching `filters` is POSTed to `url`, signed "
            "as Standard Webhooks specifies (docs/subscribing.md). A URL whose host resolves to a loopback, private or "
            "link-local address is a 400 unless GATEWAY_ALLOW_PRIVATE_HOSTS; so is an unknown key or a bad value "
            "(`field` names it)."
        ),
        request=WebhookCreateSerializer,
        responses={201: WebhookCreatedSerializer, 400: WebhookErrorSerializer, **NOT_STAFF},
    )
    def post(self, request: Request) -> Response:
        try:
            data = request.data
        except ParseError:
            return _bad_request("body", "must be a JSON object")
        if not isinstance(data, dict):
            return _bad_request("body", "must be a JSON object")
        extra = unknown_keys(data)
        if extra:
            return _bad_request(extra, "unknown field")
        serializer = WebhookCreateSerializer(data=data)
        if not serializer.is_valid():
            return _bad_request(*first_error(serializer.errors))
        url = serializer.validated_data["url"].strip()
        problem = subscription_url_problem(url)
        if problem:
            return _bad_request("url", problem)
        given = serializer.validated_data.get("filters") or {}
        filters = stored_filters(
            gateway=given.get("gateway", []),
            model=given.get("model", []),
            kind=given.get("kind", []),
            component=given.get("component", []),
            min_change_percent=given.get("min_change_percent"),
        )
        subscription, secret = webhook_subscription_create(url=url, filters=filters)
        return Response({**_shown(subscription), "secret": secret}, status=status.HTTP_201_CREATED)


class WebhookDetailView(StaffWebhookView):
    def _found(self, subscription_id: int) -> WebhookSubscription | None:
        if subscription_id > MAX_ID:
            return None
        return WebhookSubscription.objects.filter(pk=subscription_id).first()

    @extend_schema(
        tags=["system"],
        summary="One webhook subscription",
        operation_id="webhooks_detail",
        parameters=[SUBSCRIPTION_ID],
        responses={200: WebhookSubscriptionSerializer, 404: WebhookErrorSerializer, **NOT_STAFF},
    )
    def get(self, request: Request, subscription_id: int) -> Response:
        found = self._found(subscription_id)
        if found is None:
            return Response({"detail": f"no webhook subscription {subscription_id}"}, status=status.HTTP_404_NOT_FOUND)
        return Response(_shown(found))

    @extend_schema(
        tags=["system"],
        summary="Unsubscribe: delete a webhook subscription and its deliveries",
        operation_id="webhooks_delete",
        parameters=[SUBSCRIPTION_ID],
        responses={204: OpenApiResponse(description="Deleted."), 404: WebhookErrorSerializer, **NOT_STAFF},
    )
    def delete(self, request: Request, subscription_id: int) -> Response:
        found = self._found(subscription_id)
        if found is None:
            return Response({"detail": f"no webhook subscription {subscription_id}"}, status=status.HTTP_404_NOT_FOUND)
        found.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
