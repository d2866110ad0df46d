"""The targets page's form: one indicator, one value, applied to one unit or every unit of a kind."""

from django import forms

from campaigns.models import Indicator
from cobuild.params import DateField

from .services import TARGET_KIND_LABELS, TARGET_KINDS, units_of_kind


class TargetForm(forms.Form):
    apply_to = forms.ChoiceField(label="下达对象")
    indicator = forms.ModelChoiceField(label="指标", queryset=Indicator.objects.filter(active=True),
                                       empty_label=None)
    value = forms.DecimalField(label="目标值", min_value=0, max_digits=18, decimal_places=2)
    due_date = DateField(label="完成时限(可不填)", required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明", required=False, max_length=200)

    def __init__(self, *args, unit, children, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [(f"kind:{k}", f"{TARGET_KIND_LABELS[k]}(统一下达)") for k in TARGET_KINDS
                 if units_of_kind(unit, k).exists()]
        units = [(f"unit:{c.pk}", c.name) for c in children]
        self.fields["apply_to"].choices = [("统一下达", kinds), ("单个单位", [(f"unit:{unit.pk}", unit.name), *units])]
        self._units = {str(c.pk): c for c in [unit, *children]}
        for f in self.fields.values():
            css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            f.widget.attrs.setdefault("class", css)

    def clean_apply_to(self):
        value = self.cleaned_data["apply_to"]
        what, _, key = value.partition(":")
        if what == "kind" and key in TARGET_KINDS:
            return ("kind", key)
        if what == "unit" and key in self._units:
            return ("unit", self._units[key])
        raise forms.ValidationError("请选择下达对象。")
