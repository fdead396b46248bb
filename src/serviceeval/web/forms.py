from django import forms
from django.utils.translation import gettext_lazy as _

from serviceeval.agencies.enums import Category
from serviceeval.core.formfields import RocDateField


class CategoryMoveForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class CalendarUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Office calendar file (CSV, XLSX or ODS)"),
        help_text=_("Columns 西元日期,星期,是否放假,備註 as the government publishes them."),
    )


class CalendarDayForm(forms.Form):
    date = RocDateField(label=_("Date"))
    day_off = forms.TypedChoiceField(
        label=_("Kind of day"),
        choices=[("1", _("Day off (holiday)")), ("0", _("Working day (make-up day)"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("Note"), max_length=120, required=False)
