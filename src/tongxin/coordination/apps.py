from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "tongxin.coordination"
    label = "coordination"
    verbose_name = _("督查督办、监督检查、联席会议和流出地协作")
