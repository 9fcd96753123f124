from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from regions.models import Organisation

from . import rules


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        return list(data) if isinstance(data, list | tuple) else [data]


class ComplaintForm(forms.Form):
    category = forms.ChoiceField(label=_("What kind of burden"))
    region = forms.CharField(label=_("Committee or region (12-digit division code)"), max_length=12)
    agency = forms.ModelChoiceField(label=_("Agency complained of"), queryset=Organisation.objects.none(), required=False)
    agency_name = forms.CharField(label=_("Or name the agency"), max_length=150, required=False)
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    attachments = MultipleFileField(
        label=_("Attachments (PDF, JPG, PNG, DOCX, XLSX; at most 10 MB each)"), required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"}),
    )
    anonymous = forms.BooleanField(label=_("Report anonymously"), required=False, initial=True)
    reporter_name = forms.CharField(label=_("Your name (seen only by the handling bureau)"), max_length=100, required=False)
    reporter_contact = forms.CharField(label=_("How to reach you (seen only by the handling bureau)"), max_length=100, required=False)

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        not_here = _("not handled here")
        self.fields["category"].choices = [
            (c.code, f"{c.name}（{c.citation}）" if c.citation else f"{c.name}（{not_here}）")
            for c in rules.categories().values()
        ]
        if agencies is not None:
            self.fields["agency"].queryset = agencies


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=64)


class DecideForm(forms.Form):
    founded = forms.TypedChoiceField(
        label=_("Result of verification"), coerce=lambda v: v == "1",
        choices=[("1", _("Founded: the agency placed an extra burden")), ("0", _("Not founded"))],
    )
    agency = forms.ModelChoiceField(label=_("Agency that must correct"), queryset=Organisation.objects.none(), required=False)
    facts = forms.CharField(label=_("Facts found (the agency reads these, never the complaint)"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    reason = forms.CharField(label=_("Reasons (the complainant reads these)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if agencies is not None:
            self.fields["agency"].queryset = agencies


class OrderForm(forms.Form):
    requirement = forms.CharField(label=_("What must be corrected"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=pgettext_lazy("correction order", "Deadline"), input_formats=["%Y-%m-%d"], widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))


class RespondForm(forms.Form):
    response = forms.CharField(label=_("What was corrected"), widget=forms.Textarea(attrs={"rows": 4}))


class VerifyForm(forms.Form):
    ok = forms.TypedChoiceField(
        label=_("Correction"), coerce=lambda v: v == "1",
        choices=[("1", _("Verified: corrected")), ("0", _("Not corrected"))],
    )
    note = forms.CharField(label=_("Verification notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    body = forms.CharField(label=pgettext_lazy("public notice", "Text of the notice"), widget=forms.Textarea(attrs={"rows": 5}))


class ReferralForm(forms.Form):
    referred_to = forms.CharField(label=_("Referred to"), max_length=150, initial="纪检监察机关")
    persons = forms.CharField(label=_("Responsible leaders and persons directly responsible"), max_length=300)
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))
