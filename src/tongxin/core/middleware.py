from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _


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


class NulInQueryMiddleware:
    """A query string holding a NUL character is refused with a message. PostgreSQL cannot
    store or compare one, so a search box that passed it on (`?q=%00`) ended in an error
    page; forms already refuse it (Django's CharField), query parameters read directly did
    not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
            return HttpResponseBadRequest(_("请求参数含有无效字符。"))
        return self.get_response(request)
