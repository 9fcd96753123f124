from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .matcher import MAX_TEXT_LENGTH
from .models import CertificateType


class CheckForm(forms.Form):
    region = forms.CharField(label=_("Committee code (12 digits)"), max_length=12, min_length=12)
    text = forms.CharField(label=_("What certificate is asked for, and by whom"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=MAX_TEXT_LENGTH)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revocation"), max_length=300)
    lock_version = forms.IntegerField(widget=forms.HiddenInput)


class RefusedDemandForm(forms.Form):
    agency_name = forms.CharField(label=_("Agency that asked"), max_length=200)
    text = forms.CharField(widget=forms.HiddenInput, max_length=MAX_TEXT_LENGTH)


class IssueForm(forms.Form):
    """The standard template of one type: subject fields, then the type's typed fields from the data."""

    subject_name = forms.CharField(label=_("Name of the person"), max_length=100)
    subject_id_number = forms.CharField(label=_("Resident ID number"), max_length=18)
    subject_phone = forms.CharField(label=_("Phone (optional)"), max_length=20, required=False)

    def __init__(self, *args: Any, ctype: CertificateType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctype = ctype
        for spec in ctype.fields:
            label, required = spec.get("label", spec["name"]), bool(spec.get("required"))
            kind = spec.get("type", "text")
            if kind == "choice":
                field: forms.Field = forms.ChoiceField(
                    label=label, required=required, choices=[("", "—")] + [(c, c) for c in spec.get("choices", [])]
                )
            elif kind == "date":
                field = forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))
            elif kind == "number":
                field = forms.DecimalField(label=label, required=required, min_value=0)
            else:
                field = forms.CharField(label=label, required=required, max_length=500)
            self.fields[f"f_{spec['name']}"] = field

    def template_values(self) -> dict[str, str]:
        values = {}
        for spec in self.ctype.fields:
            value = self.cleaned_data.get(f"f_{spec['name']}")
            if value not in (None, ""):
                values[spec["name"]] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return values
