"""Password rules with Chinese messages (AUTH_PASSWORD_VALIDATORS). Django's own validators do the
checking; its zh-hans catalogue lacks the current wording of the length rule, so that one message
is given here. Imports no app."""

from django.contrib.auth.password_validation import MinimumLengthValidator as _MinimumLength


class MinimumLengthValidator(_MinimumLength):
    def get_error_message(self):
        return f"密码长度太短,至少需要 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符。"
