from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from .models import POLICY_BOUNDS, Department, SecurityPolicy, User
from .roles import DataScope, Role
from .services import account_change_errors


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username", autofocus=True)
        self.fields["password"].widget.attrs.update(autocomplete="current-password")


class OtpForm(forms.Form):
    token = forms.RegexField(
        label=_("动态口令"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("请输入认证器上显示的 6 位数字。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].widget.attrs.update(
            autocomplete="one-time-code", inputmode="numeric", autofocus=True
        )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("当前密码"), widget=forms.PasswordInput, strip=False)
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(label=_("确认新密码"), widget=forms.PasswordInput, strip=False)

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("当前密码不正确。"))
        return value

    def clean(self):
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("new_password2")
        if new and again and new != again:
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        elif new:
            if new == data.get("old_password"):
                self.add_error("new_password", _("新密码不能与当前密码相同。"))
            else:
                try:
                    validate_password(new, self.user)
                except forms.ValidationError as exc:
                    self.add_error("new_password", exc)
        return data


class UserForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        regex=r"^[A-Za-z0-9_.-]{3,150}$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 _ . -，至少 3 个字符。")},
    )
    full_name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    unit = forms.CharField(label=_("所属单位代码"), max_length=15)
    department = forms.ModelChoiceField(
        label=_("所属部门"), queryset=Department.objects.none(), required=False
    )
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    data_scope = forms.ChoiceField(label=_("数据范围"), choices=DataScope.choices)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput, strip=False, required=False
    )

    def __init__(
        self, *args, actor: User | None, units, departments, editing: User | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.units = units
        self.editing = editing
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        if editing is not None:
            self.fields["username"].disabled = True
            del self.fields["password"]

    def clean_username(self):
        value = self.cleaned_data["username"]
        if self.editing is None and User.objects.filter(username__iexact=value).exists():
            raise forms.ValidationError(_("用户名已存在。"))
        return value

    def clean_unit(self):
        code = self.cleaned_data["unit"].strip()
        unit = self.units.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(
                _("单位代码 %(code)s 不存在或不在您的管理范围内。") % {"code": code}
            )
        return unit

    def clean(self):
        data = super().clean() or {}
        roles = set(data.get("roles") or [])
        admin = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR}
        if len(roles & admin) > 1 or (roles & admin and roles - admin):
            self.add_error(
                "roles",
                _("三员分立：系统管理员、安全管理员、安全审计员不能兼任，也不能兼任业务角色。"),
            )
        if data.get("unit") is not None and "data_scope" in data:
            refused = account_change_errors(
                self.actor,
                user=self.editing,
                unit=data["unit"],
                roles=roles,
                data_scope=data["data_scope"],
                department=data.get("department"),
                is_active=bool(data.get("is_active")),
            )
            for field, message in refused.items():
                self.add_error(None if field == "__all__" else field, message)
        if self.editing is None:
            password = data.get("password")
            if not password:
                self.add_error("password", _("请设置初始密码。"))
            else:
                probe = User(username=data.get("username", ""))
                try:
                    validate_password(password, probe)
                except forms.ValidationError as exc:
                    self.add_error("password", exc)
        return data


class DepartmentForm(forms.ModelForm):
    unit_code = forms.CharField(label=_("所属辖区代码"), max_length=15)

    class Meta:
        model = Department
        fields = ["code", "name", "kind", "phone", "liaison"]

    def __init__(self, *args, units, liaisons, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units
        self.fields["liaison"].queryset = liaisons  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["unit_code"].initial = self.instance.unit.code

    def clean_unit_code(self):
        code = self.cleaned_data["unit_code"].strip()
        unit = self.units.filter(code=code, level__in=["city", "district"]).first()
        if unit is None:
            raise forms.ValidationError(
                _("成员单位须设在您管理范围内的市或区县（代码 %(code)s 无效）。") % {"code": code}
            )
        return unit


class PolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        fields = ["max_failures", "lock_minutes", "idle_timeout_minutes", "password_max_age_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's bounds (等保三级), also as the inputs' min and max.
        for name, (low, high) in POLICY_BOUNDS.items():
            field = self.fields[name]
            field.widget.attrs.update(min=low, max=high)
            field.help_text = _("取值范围 %(low)d–%(high)d。") % {"low": low, "high": high}
