from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from serviceeval.accounts.models import User
from serviceeval.accounts.selectors import reviewer_accounts
from serviceeval.agencies.models import Agency
from serviceeval.core.formfields import RocDateField
from serviceeval.core.uploads import validate_upload
from serviceeval.core.widgets import NamedModelChoiceField
from serviceeval.cycles.selectors import participant_agencies, participant_ids_by_code

from .models import PanelRole, Round
from .selectors import panel_users


class ReviewerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.username})"


def _reviewers():
    return reviewer_accounts()


class PanelMemberForm(forms.Form):
    user = ReviewerChoice(label=_("Reviewer"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Panel role"), choices=PanelRole.choices)
    max_assignments = forms.IntegerField(label=_("Cap (agencies)"), min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _reviewers()


class AssignForm(forms.Form):
    reviewer = ReviewerChoice(label=_("Reviewer"), queryset=User.objects.none())
    agency = NamedModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    round = forms.ChoiceField(label=_("Round"), choices=Round.choices)

    def __init__(self, *args, cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = panel_users(cycle)
        self.fields["agency"].queryset = participant_agencies(cycle)


class AutoAssignForm(forms.Form):
    per_agency = forms.IntegerField(
        label=_("Reviewers per agency (minimum)"), min_value=1, max_value=20, initial=3
    )
    cap = forms.IntegerField(label=_("Cap per reviewer"), min_value=1, required=False)
    round = forms.ChoiceField(label=_("Round"), choices=Round.choices)


class ConflictForm(forms.Form):
    # Every participant: 2,000 nationally (SPEC §5 pages).
    agency = NamedModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = participant_agencies(cycle)


class OfficeConflictForm(ConflictForm):
    reviewer = ReviewerChoice(label=_("Reviewer"), queryset=User.objects.none())

    def __init__(self, *args, cycle=None, **kwargs):
        super().__init__(*args, cycle=cycle, **kwargs)
        self.fields["reviewer"].queryset = panel_users(cycle)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids that are not whole numbers of a database's size, before the
    `__in` lookup (SQLite raises OverflowError on a 40-digit id)."""

    def _check_values(self, value):
        for v in value or ():
            if not str(v).isdigit() or len(str(v)) > 18:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": v},
                )
        return super()._check_values(value)


class VisitForm(forms.Form):
    date = RocDateField(label=_("Visit date"))
    members = IdMultipleChoiceField(
        label=_("Members present"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = panel_users(cycle)


class ExclusionForm(forms.Form):
    agency = NamedModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    reviewer = ReviewerChoice(label=_("Reviewer"), queryset=User.objects.none())
    round = forms.ChoiceField(label=_("Round"), choices=Round.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = participant_agencies(cycle)
        self.fields["reviewer"].queryset = panel_users(cycle)


class TieBreakForm(forms.Form):
    order = forms.CharField(
        label=_("Agency codes, best first, separated by commas"), max_length=500
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, cycle=None, **kwargs):
        self.cycle = cycle
        super().__init__(*args, **kwargs)

    def clean_order(self):
        codes = [c.strip() for c in self.cleaned_data["order"].replace("，", ",").split(",")]
        codes = [c for c in codes if c]
        found = participant_ids_by_code(self.cycle, codes)
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise ValidationError(
                _("Unknown agency codes: %(codes)s") % {"codes": ", ".join(unknown)}
            )
        return [found[c] for c in codes]


class ImprovementForm(forms.Form):
    agency = NamedModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    criterion = forms.CharField(label=_("Criterion code (optional)"), max_length=40, required=False)
    text = forms.CharField(label=_("Improvement item"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = RocDateField(label=_("Deadline"))

    def __init__(self, *args, cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = participant_agencies(cycle)

    def clean_deadline(self):
        """Issue 13: an item the office files now is due after today."""
        deadline = self.cleaned_data["deadline"]
        if deadline <= timezone.localdate():
            raise forms.ValidationError(_("The deadline must be after today."))
        return deadline


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class RespondForm(forms.Form):
    response = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("Evidence files"), required=False)

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        for f in files:
            validate_upload(f)
        return files


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("close", _("Close")), ("return", _("Return for more work"))]
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class DeadlineForm(forms.Form):
    """The cycle's scoring deadline (issue 13 item 3): sheets lock after that day."""

    day = RocDateField(
        label=_("Scoring deadline"),
        help_text=_("Until 23:59 of that day (Asia/Taipei), moved to the next working day."),
    )
