from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "tongxin.disputes"
    label = "disputes"
    verbose_name = _("矛盾纠纷排查调处")
