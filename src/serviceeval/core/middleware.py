class TraditionalChineseFirstMiddleware:
    """zh-Hant unless the user chose another language (cookie set by /i18n/setlang/).

    A browser's Accept-Language alone does not switch a Taiwanese government
    system to English; placed before LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META["HTTP_ACCEPT_LANGUAGE"] = "zh-Hant"
        return self.get_response(request)


class RejectNulCharactersMiddleware:
    """Answer 400 when a query or form value holds a NUL character.

    No field of serviceeval can hold one (PostgreSQL refuses it in text, SQLite
    fails on it in comparisons), and forms already refuse it; this stops it in the
    raw filter parameters too, before a view hands it to the database. Uploaded
    files (request.FILES) are not inspected: binary content is theirs to have."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.shortcuts import render
        from django.utils.translation import gettext as _

        sources = [request.GET]
        if request.method == "POST":
            sources.append(request.POST)
        for source in sources:
            for name, values in source.lists():
                if "\x00" in name or any("\x00" in v for v in values):
                    return render(
                        request,
                        "web/error.html",
                        {"code": 400, "message": _(
                            "The field “%(field)s” contains a NUL character, which is not allowed."
                        ) % {"field": name.replace("\x00", "")}},
                        status=400,
                    )  # fmt: skip
        return self.get_response(request)
