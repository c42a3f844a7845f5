from django.db import models


class KeyCheck(models.Model):
    """A keyed hash of a fixed text, made with the data key the data was encrypted with, so a
    process started with another key refuses to run instead of writing unreadable data."""

    fingerprint = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.fingerprint[:8]


class DeferredIndex(models.Model):
    """An index dropped for a first bulk load, to be built again (`core.bulk`). Written in
    the transaction that drops it, so a load killed halfway leaves the list of what to
    rebuild; `restore_indexes` builds them and deletes the rows."""

    table = models.CharField(max_length=100)
    name = models.CharField(max_length=200, unique=True)
    definition = models.TextField()
    dropped_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
