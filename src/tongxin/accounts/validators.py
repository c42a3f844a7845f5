"""Password complexity for 等保 level 3: ≥ 10 characters, 3 character classes, no username."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class ComplexityValidator:
    def __init__(self, min_length: int = 10, min_classes: int = 3) -> None:
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        errors = []
        if len(password) < self.min_length:
            errors.append(_("密码至少需要 %(n)d 个字符。") % {"n": self.min_length})
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(c in string.punctuation or c.isspace() for c in password),
            ]
        )
        if classes < self.min_classes:
            errors.append(
                _("密码需包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。")
                % {"n": self.min_classes}
            )
        username = getattr(user, "username", "") or ""
        if username and username.lower() in password.lower():
            errors.append(_("密码不能包含用户名。"))
        if errors:
            raise ValidationError(errors, code="password_complexity")

    def get_help_text(self) -> str:
        return _(
            "至少 %(n)d 个字符，包含大写字母、小写字母、数字、符号中的至少 3 类，且不含用户名。"
        ) % {"n": self.min_length}
