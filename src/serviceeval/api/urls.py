"""The REST API (/api/v1/, OpenAPI 3 at /api/v1/openapi.json).

Each app adds its router here with `api.add_router(prefix, router)`. No
interactive docs page: it would load its scripts from a CDN, and government
intranets are often offline."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from .auth import API_AUTH
from .foundation import router as foundation_router
from .outcomes import router as outcomes_router

api = NinjaAPI(
    title="serviceeval API",
    version="1",
    description="為民服務考核系統 REST API. Authenticate with a session cookie or `Authorization: Bearer <token>` "
    "(`manage.py api_token_create`). Another agency's object answers 404.",
    auth=API_AUTH,
    docs_url=None,
    urls_namespace="api",
)
api.add_router("/", foundation_router)
api.add_router("/", outcomes_router)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


urlpatterns = api.urls[0]
