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
