"""Issue 11 item 4: the office names an agency's reward recipients per cycle (head,
section chief, officer in charge, evaluation officer) on the agency's page."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from serviceeval.accounts.rules import is_office
from serviceeval.agencies.enums import ROSTER_ROLES, PersonRole
from serviceeval.agencies.selectors import agencies_visible_to, roster_cycles, roster_for
from serviceeval.agencies.services import PeopleRefused, agency_people_set, split_names
from serviceeval.core.access import access
from serviceeval.core.roc import format_roc_year

STANDING = "standing"


class PeopleForm(forms.Form):
    """One text field per roster role; several people separated by 、."""

    cycle = forms.ChoiceField(label=gettext_lazy("Cycle"))

    def __init__(self, *args, cycles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [
            (STANDING, _("Standing roster (copied into new cycles)")),
            *((str(c.year), format_roc_year(c.year)) for c in cycles),
        ]
        for role in ROSTER_ROLES:
            self.fields[role] = forms.CharField(
                label=PersonRole(role).label, required=False, max_length=400
            )


def people_form_for(agency, year: str | None, cycles) -> tuple[PeopleForm, object]:
    """The form for the agency page, filled with the chosen cycle's people."""
    cycle = next((c for c in cycles if str(c.year) == year), None)
    initial = {"cycle": str(cycle.year) if cycle else STANDING}
    for p in roster_for(agency, cycle):
        initial[p.role] = "、".join(filter(None, [initial.get(p.role), p.name]))
    return PeopleForm(initial=initial, cycles=cycles), cycle


@access(is_office)
def agency_people(request, pk):
    agency = get_object_or_404(agencies_visible_to(request.user), pk=pk)
    back = reverse("agency_detail", args=[agency.pk])
    if request.method != "POST":
        return redirect(back)
    cycles = roster_cycles(agency)
    form = PeopleForm(request.POST, cycles=cycles)
    if not form.is_valid():
        messages.error(request, _("Choose a cycle this agency takes part in."))
        return redirect(back)
    year = form.cleaned_data["cycle"]
    cycle = next((c for c in cycles if str(c.year) == year), None)
    people = {role: split_names(form.cleaned_data[role]) for role in ROSTER_ROLES}
    try:
        changed = agency_people_set(agency=agency, cycle=cycle, people=people, user=request.user)
    except PeopleRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("Reward recipients saved.") if changed else _("Nothing changed.")
        )
    query = f"?people_cycle={cycle.year}" if cycle else ""
    return redirect(f"{back}{query}#people")
