"""Getting an API token and sending it, for the token and session-policy tests."""

from django.urls import reverse

PASSWORD = "Tongxin@2026demo"


def token_response(client, username, password=PASSWORD):
    return client.post(
        reverse("api:token"),
        {"username": username, "password": password},
        content_type="application/json",
    )


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Token {token}"}
