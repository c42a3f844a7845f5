"""A process started with the wrong data key refuses to write unreadable data."""

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from tongxin.core.keycheck import verify_data_key
from tongxin.registry.models import Person


@pytest.mark.django_db
def test_the_right_key_passes_and_another_key_is_refused(settings):
    verify_data_key()
    verify_data_key()
    settings.DATA_KEY = base64.b64decode(base64.b64encode(b"x" * 32))
    with pytest.raises(ImproperlyConfigured, match="TONGXIN_DATA_KEY"):
        verify_data_key()


@pytest.mark.django_db
def test_commands_that_write_refuse_the_wrong_key(settings, tmp_path):
    verify_data_key()
    before = Person.objects.count()
    settings.DATA_KEY = b"y" * 32
    with pytest.raises(CommandError, match="密钥不一致"):
        call_command("demo", "--persons", "5")
    path = tmp_path / "a.csv"
    path.write_text("姓名\n马明\n", encoding="utf-8")
    with pytest.raises(CommandError, match="密钥不一致"):
        call_command("import_persons", str(path))
    assert Person.objects.count() == before
