from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReportColumn


class ColumnForm(forms.ModelForm):
    class Meta:
        model = ReportColumn
        fields = ["code", "group", "label", "keys", "order", "active"]
        widgets = {"keys": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "code": _("英文字母、数字和下划线，用作接口和导出的字段名；保存后不能修改。"),
            "group": _("同一分组的相邻列合并为一个表头；留空则单独成列。"),
            "keys": _(
                "要相加的统计项，空格分隔：eth:03（回族）、age:18..59（18至59岁）、"
                "orig:*（全部流出地）、-orig:65（减去新疆）；另有 present、in、out、"
                "move_in、move_out、sex:1、rsn:work、hk:rented、los:lt6m、school_age、"
                "enrolled、insured、req:received、req:resolved、dsp:found、dsp:resolved。"
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True
        for field in self.fields.values():
            css = (
                "form-check-input"
                if isinstance(field.widget, forms.CheckboxInput)
                else "form-control"
            )
            field.widget.attrs.setdefault("class", css)

    def validate_unique(self):
        # The service checks the code within the template.
        pass
