"""ASGI entry point: the server bin/serve starts (uchat/serve.py) serves HTTP and WebSocket
from here. Request bodies pass core.body_limit first, which refuses one over
UCHAT_MAX_REQUEST_BYTES while it is read, before Django reads (and spools) it."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uchat.settings")
# Populate the app registry before importing consumers (they import models).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from core.body_limit import BodyLimit  # noqa: E402
from core.ws_auth import websocket_stack  # noqa: E402
from uchat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodyLimit(django_asgi_app),
        "websocket": websocket_stack(URLRouter(websocket_urlpatterns)),
    }
)
