"""Forms for recording a telephone test and a mystery-shopper visit, built from the
program's checklists (SPEC §3.2)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from serviceeval.core.formfields import RocDateTimeField
from serviceeval.core.numbers import format_points
from serviceeval.core.widgets import NamedModelChoiceField


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class _Base(forms.Form):
    agency = NamedModelChoiceField(queryset=None, label=_("Agency"))

    def __init__(self, *args, agencies, parts, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what the labels need: 2,000 agencies nationally (SPEC §5 pages).
        self.fields["agency"].queryset = agencies.only("pk", "name")
        self.parts = parts
        for part in parts:
            for item in part.items:
                # Met by default: the tester unticks the deductions.
                self.fields[f"item_{item.code}"] = forms.BooleanField(
                    label=f"{item.name} ({format_points(item.points)})",
                    required=False,
                    initial=True,
                )

    def checklist_rows(self):
        return [
            {
                "part": part,
                "tested": self[f"part_{part.code}"] if f"part_{part.code}" in self.fields else None,
                "items": [self[f"item_{i.code}"] for i in part.items],
            }
            for part in self.parts
        ]

    def items_met(self) -> dict[str, bool]:
        return {
            i.code: bool(self.cleaned_data.get(f"item_{i.code}"))
            for p in self.parts
            for i in p.items
        }


class PhoneTestForm(_Base):
    called_at = RocDateTimeField(label=_("Date and time of the call"))
    unit = forms.CharField(label=_("Unit"), max_length=120, required=False)
    number = forms.CharField(label=_("Number dialled"), max_length=40, required=False)
    rings = forms.IntegerField(
        label=_("Rings before answer"), min_value=0, max_value=99, required=False
    )
    answer_seconds = forms.IntegerField(
        label=_("Seconds to answer"), min_value=0, max_value=999, required=False
    )
    tested_staff = forms.CharField(
        label=_("Person who answered (tested staff)"), max_length=80, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, agencies, parts, **kwargs):
        super().__init__(*args, agencies=agencies, parts=parts, **kwargs)
        for part in parts:
            self.fields[f"part_{part.code}"] = forms.BooleanField(
                label=_("This part was tested"), required=False, initial=True
            )

    def tested_parts(self) -> list[str]:
        return [p.code for p in self.parts if self.cleaned_data.get(f"part_{p.code}")]

    def clean(self):
        data = super().clean()
        if not any(data.get(f"part_{p.code}") for p in self.parts):
            raise forms.ValidationError(_("Test at least one part."))
        return data


class MysteryVisitForm(_Base):
    visited_at = RocDateTimeField(label=_("Date and time of the visit"))
    counter = forms.CharField(label=_("Counter or unit visited"), max_length=120, required=False)
    scenario = forms.CharField(
        label=_("Scenario questions and answers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tested_staff = forms.CharField(label=_("Tested staff"), max_length=80, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(label=_("Photos (evidence)"), required=False)
