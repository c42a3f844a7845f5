from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .columns import FIELD_LABELS

MAX_UPLOAD = 512 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("文件（CSV 或 Excel .xlsx）"),
        help_text=_(
            "Excel 文件有多个工作表时，读取表头与模板（或该来源记住的列）最相符的一个，"
            "下一步可改选。"
        ),
    )
    source = forms.CharField(
        label=_("数据来源"),
        max_length=100,
        initial="标准模板",
        help_text=_("如“公安流动人口平台”。同一来源的列对应关系会被记住。"),
    )
    dry_run = forms.BooleanField(label=_("仅校验，不写入"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".txt", ".xlsx", ".xlsm", ".xls")):
            raise forms.ValidationError(_("只能上传 CSV 或 Excel（.xlsx）文件。"))
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的。"))
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("文件超过 512 MB，请拆分后上传。"))
        return upload


TARGETS = [("", _("（不导入）"))] + [(field, label) for field, label in FIELD_LABELS.items()]


class MappingForm(forms.Form):
    remember = forms.BooleanField(label=_("记住该来源的列对应关系"), required=False, initial=True)

    # The sheet whose columns were shown: the job's may have changed since.
    sheet = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args, headers: list[str], initial_mapping: dict[str, str], sheet: str, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].initial = sheet
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header,
                choices=TARGETS,
                required=False,
                initial=initial_mapping.get(header, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"col_{index}") or "ignore"
            for index, header in enumerate(self.headers)
        }
