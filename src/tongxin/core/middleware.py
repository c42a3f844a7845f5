class ChineseFirstMiddleware:
    """The staff UI is Chinese unless the user picks another language with the switch.

    Browsers of officers often send English first in Accept-Language; only the explicit
    choice (the language cookie set by the switch) changes the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
