"""Forms of the assessment pages. They only shape input; assessment.services decides."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import Band, VisitKind

TEXT = {"rows": 3}


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    year = forms.IntegerField(label=_("Year"), min_value=2022, max_value=2100)
    method = forms.CharField(label=_("Method of assessment"), required=False, max_length=2000, widget=forms.Textarea(attrs=TEXT))
    owner = forms.TypedChoiceField(label=_("Drawn up by"), coerce=int, required=False)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, owners: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owners:
            self.fields["owner"].choices = [(o.pk, f"{o.name}（{o.region.name}）") for o in owners]
            self.fields["owner"].required = True
        else:
            del self.fields["owner"]


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("Indicator"), max_length=200)
    description = forms.CharField(label=_("What is assessed"), required=False, max_length=2000, widget=forms.Textarea(attrs=TEXT))
    weight = forms.DecimalField(label=_("Weight"), max_digits=5, decimal_places=1, min_value=0.1, max_value=100)
    method = forms.CharField(label=_("Method"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(
        label=_("Means of verification"), required=False, max_length=2000, widget=forms.Textarea(attrs=TEXT),
        help_text=_("One per line. Results in the work count; minutes, ledgers, screenshots and videos cannot replace them (Art. 7(3))."),
    )
    items = forms.TypedMultipleChoiceField(
        label=_("List items assessed"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Only items of the committees' effective work list may be assessed (Art. 7)."),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, items: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(i.pk, f"{i.code} {i.name}") for i in items or []]


class CommentForm(forms.Form):
    comments = forms.CharField(label=_("Comments"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Why the checker misread this wording"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ResultForm(forms.Form):
    committee = forms.CharField(widget=forms.HiddenInput, max_length=12)
    band = forms.ChoiceField(label=_("Evaluation"), choices=Band.choices)
    reasons = forms.CharField(label=_("Reasons"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VisitForm(forms.Form):
    committee = forms.CharField(label=_("Committee (12-digit code)"), max_length=12, min_length=12)
    visited_on = forms.DateField(label=_("Date of visit"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices)
    purpose = forms.CharField(label=pgettext_lazy("inspection visit", "Purpose"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    visitors = forms.CharField(label=_("Who visited"), max_length=200, required=False)
    plan = forms.TypedChoiceField(label=_("Under the approved plan"), coerce=int, required=False, empty_value=None)
    agency = forms.TypedChoiceField(label=_("For the agency"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, plans: list[Any] | None = None, agencies: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [("", _("— no approved plan —"))] + [
            (p.pk, f"{p.year} {p.title}（{p.owner.name}）") for p in plans or []
        ]
        self.fields["agency"].choices = [(a.pk, a.name) for a in agencies or []]
        if len(agencies or []) <= 1:
            self.fields["agency"].widget = forms.HiddenInput()
        self.fields["visited_on"].initial = timezone.localdate()


class CheckForm(forms.Form):
    """The public checker: a title and a few indicators (more rows with ?rows=N)."""

    title = forms.CharField(label=_("Title of the plan"), max_length=200, required=False)

    def __init__(self, *args: Any, rows: int = 5, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for n in range(rows):
            self.fields[f"name_{n}"] = forms.CharField(label=_("Indicator %(n)d") % {"n": n + 1}, max_length=200, required=False)
            self.fields[f"description_{n}"] = forms.CharField(
                label=_("What is assessed"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
            self.fields[f"evidence_{n}"] = forms.CharField(
                label=_("Means of verification (one per line)"), max_length=2000, required=False,
                widget=forms.Textarea(attrs={"rows": 2}))

    def indicators(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        out = []
        for n in range(self.rows):
            name, description = data.get(f"name_{n}", ""), data.get(f"description_{n}", "")
            evidence = [line.strip() for line in data.get(f"evidence_{n}", "").splitlines() if line.strip()]
            if name or description or evidence:
                out.append({"row": n, "name": name, "description": description, "evidence": evidence})
        return out

    def rows_of_fields(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"name_{n}"], self[f"description_{n}"], self[f"evidence_{n}"]) for n in range(self.rows)]
