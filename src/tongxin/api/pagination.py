"""How the API's lists are paged."""

from rest_framework.pagination import CursorPagination, LimitOffsetPagination


class Pages(LimitOffsetPagination):
    """`limit` and `offset` for the short lists (units, departments, tasks…). A limit past
    500 gives 500: without a cap, a limit beyond the database's integers was an error."""

    max_limit = 500


class NewestFirst(CursorPagination):
    """Keyset pagination for the registry's lists: stable and fast at any depth."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500
