from django.db import models


class KeyCheck(models.Model):
    """A keyed hash of a fixed text, made with the data key the data was encrypted with, so a
    process started with another key refuses to run instead of writing unreadable data."""

    fingerprint = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.fingerprint[:8]
