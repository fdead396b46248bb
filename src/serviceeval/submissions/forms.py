"""The submission form: plan sections, or the report's entries per leaf
criterion with self scores, evidence, the survey/project blocks and metrics.

Built dynamically from the cycle's rubric. A failed save re-renders every
field with what was typed; only file inputs cannot be refilled (browsers do
not allow it), and the message says so.
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from serviceeval.core.formfields import RocDateTimeField
from serviceeval.core.numbers import format_points
from serviceeval.core.uploads import validate_upload

from .enums import METRICS, PLAN_GUIDANCE, Kind
from .services import (
    EntryInput,
    SaveInput,
    mark_needs_reason,
    marked_without_self_score,
    section_codes,
)

TAIPEI = ZoneInfo("Asia/Taipei")


def fkey(code: str) -> str:
    return code.replace(".", "_")


def section_guidance(kind, category, code, dimensions) -> str:
    """The category's template text for a plan section (CITY-2), or ""."""
    if kind != Kind.PLAN:
        return ""
    text = PLAN_GUIDANCE.get(category, {}).get(code)
    if text is None:
        return ""
    return str(text) % {"dimensions": "、".join(dimensions) or "—"}


class SubmissionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(
        self,
        *args,
        kind,
        category,
        leaves=(),
        step=Decimal("0.5"),
        last_year=None,
        dimensions=(),
        **kw,
    ):
        super().__init__(*args, **kw)
        self.kind = kind
        self.category = category
        self.leaves = list(leaves)
        self.step = step
        self.last_year_fixed = last_year or {}
        self.section_fields = []
        for code, label in section_codes(kind, category):
            name = f"sec_{code}"
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=section_guidance(kind, category, code, dimensions),
            )
            self.section_fields.append(name)
        self.entry_groups = []
        if kind == Kind.REPORT:
            for leaf in self.leaves:
                k = fkey(leaf.code)
                self.fields[f"n_{k}"] = forms.CharField(
                    label=_("Narrative (bullet items allowed)"),
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )
                self.fields[f"s_{k}"] = forms.DecimalField(
                    label=_("Self score (0–%(max)s)") % {"max": format_points(leaf.max_points)},
                    required=False,
                    min_value=Decimal(0),
                    max_value=leaf.max_points,
                    decimal_places=2,
                    max_digits=9,
                    widget=forms.NumberInput(
                        attrs={"step": str(step), "min": "0", "max": str(leaf.max_points)}
                    ),
                )
                self.fields[f"na_{k}"] = forms.BooleanField(
                    label=_("Not applicable"), required=False
                )
                if category == "overall":
                    self.fields[f"lr_{k}"] = forms.BooleanField(
                        label=_("Little room left to grow"), required=False
                    )
                self.fields[f"nr_{k}"] = forms.CharField(
                    label=_("Reason (not applicable, or little room left to grow)"),
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
                self.fields[f"p_{k}"] = forms.BooleanField(
                    label=_("Includes work planned for the rest of the year"),
                    required=False,
                )
                self.fields[f"f_{k}"] = forms.FileField(
                    label=_("Add evidence file"), required=False
                )
                self.fields[f"u_{k}"] = forms.URLField(
                    label=_("Add evidence URL"),
                    required=False,
                    max_length=1000,
                    assume_scheme="https",
                )
                self.fields[f"ul_{k}"] = forms.CharField(
                    label=_("URL description"), required=False, max_length=200
                )
                self.entry_groups.append((leaf, k))
            for code, label in METRICS:
                self.fields[f"m_{code}_this"] = forms.DecimalField(
                    label=_("%(label)s, this year") % {"label": label},
                    required=False,
                    min_value=Decimal(0),
                    decimal_places=2,
                    max_digits=14,
                )
                fixed = code in self.last_year_fixed
                self.fields[f"m_{code}_last"] = forms.DecimalField(
                    label=_("%(label)s, last year") % {"label": label},
                    required=False,
                    min_value=Decimal(0),
                    decimal_places=2,
                    max_digits=14,
                    disabled=fixed,
                )
                if fixed:
                    self.initial[f"m_{code}_last"] = self.last_year_fixed[code]
        self.fields["f_general"] = forms.FileField(
            label=_("Add a general evidence file"), required=False
        )

    # Bound-field groups for the template.
    def entry_rows(self):
        for leaf, k in self.entry_groups:
            yield {
                "leaf": leaf,
                "key": k,
                "narrative": self[f"n_{k}"],
                "score": self[f"s_{k}"],
                "na": self[f"na_{k}"],
                "little_room": self[f"lr_{k}"] if f"lr_{k}" in self.fields else None,
                "na_reason": self[f"nr_{k}"],
                "planned": self[f"p_{k}"],
                "file": self[f"f_{k}"],
                "url": self[f"u_{k}"],
                "url_label": self[f"ul_{k}"],
            }

    def section_rows(self):
        return [self[n] for n in self.section_fields]

    def metric_rows(self):
        return [
            (
                code,
                label,
                self[f"m_{code}_this"],
                self[f"m_{code}_last"],
                code in self.last_year_fixed,
            )
            for code, label in METRICS
            if f"m_{code}_this" in self.fields
        ]

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, forms.FileField) and cleaned.get(name):
                try:
                    validate_upload(cleaned[name])
                except ValidationError as exc:
                    self.add_error(name, exc)
        for leaf, k in self.entry_groups:
            score = cleaned.get(f"s_{k}")
            if score is not None and self.step and (score % self.step) != 0:
                self.add_error(
                    f"s_{k}",
                    _("%(code)s: the self score must be a multiple of %(step)s")
                    % {"code": leaf.code, "step": format_points(self.step)},
                )
            na, lr = bool(cleaned.get(f"na_{k}")), bool(cleaned.get(f"lr_{k}"))
            if na and lr:
                self.add_error(
                    f"lr_{k}",
                    _("%(code)s: mark either “not applicable” or “little room left to grow”")
                    % {"code": leaf.code},
                )
            elif (na or lr) and not (cleaned.get(f"nr_{k}") or "").strip():
                self.add_error(f"nr_{k}", mark_needs_reason(leaf.code, not_applicable=na))
            if (na or lr) and cleaned.get(f"s_{k}") is not None:
                self.add_error(f"s_{k}", marked_without_self_score(leaf.code))
        return cleaned

    def save_input(self) -> SaveInput:
        c = self.cleaned_data
        data = SaveInput()
        for name in self.section_fields:
            data.sections[name.removeprefix("sec_")] = (c.get(name) or "").replace("\r\n", "\n")
        for leaf, k in self.entry_groups:
            data.entries[leaf.code] = EntryInput(
                narrative=(c.get(f"n_{k}") or "").replace("\r\n", "\n"),
                self_score=c.get(f"s_{k}"),
                not_applicable=bool(c.get(f"na_{k}")),
                na_reason=(c.get(f"nr_{k}") or "").strip(),
                planned=bool(c.get(f"p_{k}")),
                little_room=bool(c.get(f"lr_{k}")),
            )
            if c.get(f"f_{k}"):
                data.files.append((leaf.code, c[f"f_{k}"]))
            if c.get(f"u_{k}"):
                data.urls.append((leaf.code, c[f"u_{k}"], (c.get(f"ul_{k}") or "").strip()))
        for code, _label in METRICS:
            if f"m_{code}_this" in self.fields:
                last = self.last_year_fixed.get(code, c.get(f"m_{code}_last"))
                data.metrics[code] = (c.get(f"m_{code}_this"), last)
        if c.get("f_general"):
            data.files.append(("", c["f_general"]))
        return data


def initial_for(submission, *, kind, leaves) -> dict:
    if submission is None:
        return {"version": 0}
    initial = {"version": submission.version}
    for code, value in submission.sections.items():
        initial[f"sec_{code}"] = value
    if kind == Kind.REPORT:
        for e in submission.entries.all():
            k = fkey(e.criterion_code)
            initial.update(
                {
                    f"n_{k}": e.narrative,
                    f"s_{k}": e.self_score,
                    f"na_{k}": e.not_applicable,
                    f"nr_{k}": e.na_reason,
                    f"p_{k}": e.planned,
                    f"lr_{k}": e.little_room,
                }
            )
        for m in submission.metrics.all():
            initial[f"m_{m.code}_this"] = m.this_year
            initial[f"m_{m.code}_last"] = m.last_year
    return initial


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class ReopenForm(forms.Form):
    deadline = RocDateTimeField(label=gettext_lazy("New deadline (Asia/Taipei)"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def clean_deadline(self):
        from django.utils import timezone

        value = self.cleaned_data["deadline"]
        if timezone.is_naive(value):
            value = value.replace(tzinfo=TAIPEI)
        if value <= timezone.now():
            raise ValidationError(_("The new deadline must be in the future."))
        return value
