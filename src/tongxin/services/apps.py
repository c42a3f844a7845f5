from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "tongxin.services"
    label = "services"
    verbose_name = _("诉求服务")
