from django import forms
from django.utils.translation import gettext_lazy as _

from serviceeval.agencies.enums import Category


class CategoryMoveForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
