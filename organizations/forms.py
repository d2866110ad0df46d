from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.validators import RegexValidator

from .models import Gender, Leader, Organization, Position

phone_validator = RegexValidator(
    r"^[0-9+\-() ]{5,20}$", "请填写有效的电话号码,如 13812345678 或 0458-1234567。"
)


class LeaderForm(forms.Form):
    """A leader of one unit; the organisation choices are that unit's organisations only."""

    name = forms.CharField(label="姓名", max_length=50)
    position = forms.ChoiceField(label="职务", choices=Position.choices)
    organization = forms.ModelChoiceField(label="所在组织", queryset=Organization.objects.none(),
                                          required=False, empty_label="(不属于特定组织)")
    gender = forms.ChoiceField(label="性别", choices=[("", "—"), *Gender.choices], required=False)
    phone = forms.CharField(label="联系电话", max_length=32, required=False, validators=[phone_validator],
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    is_party_member = forms.BooleanField(label="中共党员", required=False, initial=True)
    notes = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, unit, instance: Leader | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name, "position": instance.position,
                "organization": instance.organization_id, "gender": instance.gender,
                "phone": instance.phone, "is_party_member": instance.is_party_member, "notes": instance.notes,
            }
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(unit=unit).order_by("kind", "name")
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "保存", css_class="btn-danger"))
