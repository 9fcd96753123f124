import re
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


# --- Catalog editing (city / county civil-affairs departments, Art. 9(2)) ------------------------------------------

REQUIRED_WORDS = {"required", "必填", "是", "yes", "y", "1", "true"}
OPTIONAL_WORDS = {"", "optional", "选填", "否", "no", "n", "0", "false"}
CHOICE_SEPARATORS = re.compile(r"[、,，;；/]")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("\r", "").split("\n") if line.strip()]


def format_template_fields(specs: list[dict[str, Any]]) -> str:
    """The typed fields as the form shows them: one per line, name|label|type|required|choice、choice."""
    rows = []
    for spec in specs or []:
        parts = [spec.get("name", ""), spec.get("label", ""), spec.get("type", "text"),
                 "required" if spec.get("required") else "optional"]
        if spec.get("choices"):
            parts.append("、".join(spec["choices"]))
        rows.append("|".join(parts))
    return "\n".join(rows)


class CatalogTypeForm(forms.Form):
    """A certificate type of a city or county catalog draft: legal basis, procedure and standard template (式样)."""

    code = forms.CharField(label=_("Type code"), max_length=16, required=False,
                           help_text=_("A new code for a local type, e.g. HG01; an inherited type keeps its code."))
    name = forms.CharField(label=_("Name of the certificate"), max_length=200)
    applies_to = forms.ChoiceField(label=_("Issued by"), choices=[
        ("both", _("Village and residents' committees")), ("village", _("Village committees only")),
        ("community", _("Residents' committees only")),
    ])
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    basis = forms.CharField(label=_("Legal basis"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("The law, regulation or rule that asks for this certificate, e.g. 《志愿服务条例》第二十一条."))
    requesting_authority = forms.CharField(label=_("Requesting authority"), max_length=300)
    procedure = forms.CharField(label=_("Procedure"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    materials = forms.CharField(label=_("Materials (one per line)"), widget=forms.Textarea(attrs={"rows": 3}))
    steps = forms.CharField(label=_("Steps (one per line)"), widget=forms.Textarea(attrs={"rows": 3}))
    time_limit_days = forms.IntegerField(label=_("Time limit (working days, 0 = on the spot)"), min_value=0, max_value=60,
                                         initial=0)
    statement = forms.CharField(label=_("Certifying statement"), max_length=1000, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}),
                                help_text=_("兹证明{name}…; {name} is the person, {field} a template field."))
    template_fields = forms.CharField(
        label=_("Template fields (one per line)"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("name|label|type|required or optional|values of a choice, e.g. hours|服务时长（小时）|number|required. "
                    "Types: text, date, number, choice (values separated by 、)."),
    )
    local_note = forms.CharField(label=_("Reason for the local change"), max_length=300, required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    lock = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, adding: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.adding = adding
        if adding:
            self.fields["code"].required = True
        else:
            self.fields["code"].disabled = True

    @classmethod
    def initial_for(cls, ctype: CertificateType, lock: int) -> dict[str, Any]:
        return {
            "code": ctype.code, "name": ctype.name, "applies_to": ctype.applies_to, "purpose": ctype.purpose,
            "basis": ctype.basis, "requesting_authority": ctype.requesting_authority, "procedure": ctype.procedure,
            "materials": "\n".join(ctype.materials), "steps": "\n".join(ctype.steps),
            "time_limit_days": ctype.time_limit_days, "statement": ctype.statement,
            "template_fields": format_template_fields(ctype.fields), "local_note": ctype.local_note, "lock": lock,
        }

    def clean_template_fields(self) -> list[dict[str, Any]]:
        specs: list[dict[str, Any]] = []
        problems: list[str] = []
        for n, line in enumerate(_lines(self.cleaned_data["template_fields"]), start=1):
            parts = [p.strip() for p in line.replace("｜", "|").split("|")]
            if len(parts) < 3:
                problems.append(str(_("Line %(n)d: write name|label|type[|required][|values].") % {"n": n}))
                continue
            flag = parts[3].lower() if len(parts) > 3 else ""
            if flag not in REQUIRED_WORDS | OPTIONAL_WORDS:
                problems.append(str(_("Line %(n)d: write required or optional, not “%(word)s”.") % {"n": n, "word": parts[3]}))
            spec: dict[str, Any] = {"name": parts[0], "label": parts[1], "type": parts[2].lower(),
                                    "required": flag in REQUIRED_WORDS}
            if len(parts) > 4:
                spec["choices"] = [c.strip() for c in CHOICE_SEPARATORS.split(parts[4]) if c.strip()]
            specs.append(spec)
        if problems:
            raise forms.ValidationError(problems)
        return specs

    def type_data(self) -> dict[str, Any]:
        """What certificates.services.add_type / change_type take."""
        d = self.cleaned_data
        data = {name: d.get(name) for name in ("name", "applies_to", "purpose", "basis", "requesting_authority",
                                               "procedure", "time_limit_days", "statement", "local_note")}
        data |= {"materials": _lines(d.get("materials", "")), "steps": _lines(d.get("steps", "")),
                 "fields": d.get("template_fields", [])}
        if self.adding:
            data["code"] = (d.get("code") or "").strip().upper()
        return data


class RemoveTypeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for leaving it out"), max_length=300, required=False)
    lock = forms.IntegerField(widget=forms.HiddenInput)


class PublishCatalogForm(forms.Form):
    approval_document = forms.CharField(
        label=_("Approval document of the people's government"), max_length=200,
        help_text=_("The number of the same-level government's approval, e.g. 皇政函〔2026〕5号."),
    )
    effective_from = forms.DateField(label=_("In force from"),
                                     widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    lock = forms.IntegerField(widget=forms.HiddenInput)


class DeriveCatalogForm(forms.Form):
    title = forms.CharField(label=_("Title of the catalog"), max_length=200)
