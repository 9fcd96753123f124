from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from legal.citations import CitationError
from legal.services import LegalError

from .choices import AppliesTo, Category
from .services import resolve_basis


class ItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=200)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=AppliesTo.choices)
    agency = forms.CharField(label=_("Serving agency"), max_length=100, required=False)
    basis = forms.CharField(
        label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One citation per line or separated by ；, e.g. 中华人民共和国民法典 第三十二条. A law without an article is accepted and flagged as not confirmed."),
    )
    support_funding = forms.CharField(label=_("Funding (Art. 5)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    support_conditions = forms.CharField(label=_("Working conditions (Art. 5)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    support_information = forms.CharField(label=_("Information support (Art. 5)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    support_guidance = forms.CharField(label=_("Guidance (Art. 5)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    lock = forms.IntegerField(widget=forms.HiddenInput)

    def clean_basis(self) -> Any:
        text = self.cleaned_data["basis"].replace("\r", "").replace("\n", "；")
        try:
            resolved = resolve_basis(text)
        except CitationError as exc:
            raise forms.ValidationError(_("Not a citation: “%(t)s”. Write 法律名称 第X条[第Y款][第（Z）项].") % {"t": exc}) from None
        except LegalError as exc:
            raise forms.ValidationError(str(exc)) from None
        if not resolved:
            raise forms.ValidationError(_("Every item needs a legal basis (Art. 4)."))
        self.cleaned_data["citations"] = resolved
        return text


class ApproveForm(forms.Form):
    document = forms.CharField(label=_("Approval document number"), max_length=100)
    approved_on = forms.DateField(label=_("Approved on"), widget=forms.DateInput(attrs={"type": "date"}))


class CommentForm(forms.Form):
    comments = forms.CharField(label=_("Comments"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
