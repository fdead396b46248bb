"""Request checks and language defaults that run before every view."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .params import MAX_ID


class TraditionalChineseFirstMiddleware:
    """zh-Hant unless the user chose another language (cookie set by /i18n/setlang/).

    A browser's Accept-Language alone does not switch a Taiwanese government
    system to English; placed before LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META["HTTP_ACCEPT_LANGUAGE"] = "zh-Hant"
        return self.get_response(request)


class RejectNulCharactersMiddleware:
    """Stop request values the database cannot take before a view hands them to it.

    - A NUL character in the URL path, a query or a form value answers 400. No
      field of serviceeval can hold one (PostgreSQL refuses it in text, SQLite fails
      on it in comparisons), and forms already refuse it; this stops it in the path
      (the API's path parameters, e.g. `/api/v1/agencies/HC-101%00`) and the raw
      filter parameters too. Uploaded files (request.FILES) are not inspected:
      binary content is theirs to have.
    - An integer URL parameter (`<int:pk>`) beyond PostgreSQL's bigint answers 404:
      it names no object, and a lookup through a foreign key would overflow in the
      driver (SQLite: "Python int too large"). Ids in form and query values are
      parsed by `core.params.id_or_404` in the views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return self._bad_request(
                request, _("The address contains a NUL character, which is not allowed.")
            )
        sources = [request.GET]
        if request.method == "POST":
            sources.append(request.POST)
        for source in sources:
            for name, values in source.lists():
                if "\x00" in name or any("\x00" in v for v in values):
                    message = _(
                        "The field “%(field)s” contains a NUL character, which is not allowed."
                    )
                    return self._bad_request(request, message % {"field": name.replace("\x00", "")})
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ID:
                raise Http404
        return None

    @staticmethod
    def _bad_request(request, message):
        if request.path_info.startswith("/api/"):
            # The API's error shape (api.schemas.ErrorOut), not a page.
            return JsonResponse({"detail": message}, status=400)
        return render(request, "web/error.html", {"code": 400, "message": message}, status=400)
