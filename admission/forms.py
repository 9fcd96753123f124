"""Forms of the admission pages. They only shape input; admission.services decides."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import Decision, PaymentStatus, RequestKind

TEXT = {"rows": 3}
ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "txt")
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024


class CheckForm(forms.Form):
    region = forms.CharField(label=_("Committee code (12 digits)"), max_length=32)
    title = forms.CharField(label=_("Title of the notice"), max_length=200, required=False)
    content = forms.CharField(label=_("Text of the notice"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    approved_by = forms.CharField(label=_("Approved by (secondments only)"), max_length=150, required=False)
    document = forms.CharField(label=_("Approval document number"), max_length=100, required=False)
    date = forms.DateField(label=_("Date of the request"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class RequestForm(forms.Form):
    sender = forms.TypedChoiceField(label=_("Sent by"), coerce=int)
    kind = forms.ChoiceField(label=_("Type"), choices=RequestKind.choices, initial=RequestKind.TASK)
    title = forms.CharField(label=_("Title"), max_length=200)
    content = forms.CharField(label=_("Content of the request"), widget=forms.Textarea(attrs={"rows": 6}))
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    subtree = forms.CharField(
        label=_("All committees of an area (code)"), max_length=12, required=False,
        help_text=_("e.g. the 12-digit code of a township or street: every committee below it."),
    )
    committees = forms.CharField(
        label=_("Or chosen committees (codes)"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("12-digit codes separated by spaces, commas or new lines."),
    )
    approval_body = forms.CharField(label=_("Approving government (secondments)"), max_length=150, required=False)
    approval_document = forms.CharField(label=_("Approval document number"), max_length=100, required=False)
    legal_basis = forms.CharField(
        label=_("Legal basis (plaques, mechanisms, dedicated posts)"), max_length=300, required=False,
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)

    def __init__(self, *args: Any, senders: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sender"].choices = [(o.pk, f"{o.name}（{o.region.name}）") for o in senders or []]

    def clean_committees(self) -> list[str]:
        raw = self.cleaned_data.get("committees") or ""
        return [c for c in raw.replace(",", " ").replace("，", " ").replace("、", " ").split() if c]

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")
        if upload is None:
            return None
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in ATTACHMENT_EXTENSIONS:
            raise forms.ValidationError(_("Attach a PDF, Word, Excel, image or text file."))
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(_("The attachment may be at most 5 MB."))
        from core.uploads import UploadRefused, check_content, check_name

        try:  # a renamed executable, a zip bomb named .docx or a path for a name is refused, not stored
            check_name(upload.name)
            check_content(extension, upload)
        except UploadRefused as refused:
            raise forms.ValidationError(refused.message) from None
        return upload


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=pgettext_lazy("admission decision", "Decision"), required=False,
        choices=[("", _("Confirm the result of the check")), *Decision.choices],
    )
    reason = forms.CharField(label=_("Reason (required to override)"), required=False, widget=forms.Textarea(attrs=TEXT))
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DocumentForm(forms.Form):
    document = forms.CharField(label=_("Document number"), max_length=100)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ContractForm(forms.Form):
    price = forms.DecimalField(label=_("Price (yuan)"), max_digits=12, decimal_places=2, min_value=0, required=False)
    period_start = forms.DateField(label=_("Period from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    deliverables = forms.CharField(label=_("Deliverables"), required=False, widget=forms.Textarea(attrs=TEXT))
    payment_status = forms.ChoiceField(label=_("Payment status"), choices=PaymentStatus.choices)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
