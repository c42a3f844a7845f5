from django import forms
from django.utils.translation import gettext_lazy as _


class GridForm(forms.Form):
    name = forms.CharField(label=_("网格名称"), max_length=100)


class GridEditForm(forms.Form):
    name = forms.CharField(label=_("网格名称"), max_length=100)
    workers: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("网格员"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workers"].queryset = workers  # type: ignore[attr-defined]
