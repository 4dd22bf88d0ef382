from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Chinese first: the user's saved language, else the switch's cookie, else zh-hans.

    The browser's Accept-Language is deliberately not consulted: bureau machines often run
    an English-language OS, and the product's working language is Chinese.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        available = dict(settings.LANGUAGES)
        user = getattr(request, "user", None)
        language = user.language if user is not None and user.is_authenticated else None
        if language not in available:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in available:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
