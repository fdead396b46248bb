"""Forms of the rewards app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from serviceeval.agencies.selectors import agency_by_code_or_name
from serviceeval.core.formfields import RocDateField

from .models import AwardStatus, RewardKind


class EntryForm(forms.Form):
    """HSC-14 / CITY-14: a free-form roster entry by the office."""

    person = forms.CharField(label=_("Person"), max_length=80)
    role = forms.CharField(label=_("Role or title"), max_length=120, required=False)
    agency = forms.CharField(
        label=_("Agency code or name (optional)"), max_length=120, required=False
    )  # a text field: a select of every agency is too heavy at national scale
    kind = forms.ChoiceField(label=_("Reward"), choices=RewardKind.choices)
    count = forms.IntegerField(label=_("Count"), min_value=1, max_value=9, initial=1)
    rule = forms.ChoiceField(label=_("Rule"), choices=())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [(r, r) for r in rules]

    def clean_agency(self):

        text = self.cleaned_data["agency"].strip()
        if not text:
            return None
        agency = agency_by_code_or_name(text)
        if agency is None:
            raise forms.ValidationError(_("No agency has this code or name."))
        return agency


class ProposeForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=None, label=_("Agency"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


STEP_CHOICES = [(s, label) for s, label in AwardStatus.choices if s != AwardStatus.PROPOSED]


class StepForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=STEP_CHOICES)
    on = RocDateField(label=_("Date"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class AttendanceForm(forms.Form):
    session = forms.CharField(label=_("Training session"), max_length=200)
    on = RocDateField(label=_("Date"))
    attendee = forms.CharField(label=_("Attendee"), max_length=80, required=False)
    attended = forms.BooleanField(label=_("Attended"), required=False, initial=True)


class ReuseForm(forms.Form):
    what = forms.CharField(label=_("Where it was reused"), max_length=200)
    on = RocDateField(label=_("Date"))


class ConsentForm(forms.Form):
    consent = forms.BooleanField(
        label=_("Consents to reuse of its materials for training"), required=False
    )
