"""Reward roster (office only) and the national award pipeline (office; agencies see
and propose their own). Testers and reviewers have no reward pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceeval.accounts.rules import is_agency_staff, is_office
from serviceeval.core.access import access
from serviceeval.core.audit import history_for
from serviceeval.core.confirm import confirmation, needs_confirmation
from serviceeval.core.numbers import format_money
from serviceeval.core.roc import format_roc_year
from serviceeval.cycles.selectors import cycle_or_404, cycles_newest_first
from serviceeval.exports.http import file_response

from . import selectors, services
from .exporters import role_text, roster_file, roster_filter_note
from .forms import AttendanceForm, ConsentForm, EntryForm, ProposeForm, ReuseForm, StepForm
from .models import AwardStatus, NominationSource, RewardKind

PAGE_SIZE = 100  # 5,000 entries nationally (SPEC §5 pages)


def _cycles():
    return list(cycles_newest_first())


def _pick(cycles, year):
    return next((c for c in cycles if str(c.year) == str(year)), cycles[0] if cycles else None)


def _cycle(year):
    return cycle_or_404(year)


def _back_url(cycle, name="rewards:index") -> str:
    from django.urls import reverse

    return f"{reverse(name)}?cycle={cycle.year}"


def _back(cycle, name="rewards:index"):
    return redirect(_back_url(cycle, name))


def _award_back_url(request, cycle) -> str:
    """The award page with the filters it was posted from (the forms carry them in
    `list`), read through AWARD_LIST so that only its own parameters come back."""
    from django.http import QueryDict
    from django.urls import reverse

    listing = selectors.AWARD_LIST.read(QueryDict(str(request.POST.get("list", ""))[:1000]))
    return f"{reverse('rewards:award')}?{listing.query_with(cycle=cycle.year)}"


def _award_back(request, cycle):
    return redirect(_award_back_url(request, cycle))


COMMENDATIONS_SHOWN = 50


def _commendations(cycle) -> dict:
    """The first COMMENDATIONS_SHOWN public commendations (500 and more nationally:
    the page would grow with the data, SPEC §5 pages); the downloads hold them all."""
    qs = selectors.public_commendations(cycle)
    shown = list(qs[:COMMENDATIONS_SHOWN])
    total = qs.count()
    more = ""
    if total > len(shown):
        more = _("The first %(shown)d of %(total)d; the downloads above list them all.") % {
            "shown": len(shown),
            "total": total,
        }
    return {"commendations": shown, "n_commendations": total, "commendations_more": more}


def _roster_note(listing) -> str:
    """The filter line of a filtered roster download ("" when it is the whole roster)."""
    return roster_filter_note(
        q=listing.q,
        kind=listing.get("kind"),
        rule=listing.get("rule"),
        source=listing.get("source"),
    )


@access(is_office)
def index(request):
    cycles = _cycles()
    listing = selectors.ROSTER_LIST.read(request.GET)
    cycle = _pick(cycles, listing.get("cycle"))
    ctx = {
        "cycles": cycles,
        "cycle": cycle,
        "listing": listing,
        "kinds": RewardKind.choices,
        "sources": [("computed", _("Computed")), ("office", _("Entered by the office"))],
    }
    if cycle is not None:

        def body():
            # Rendered once per revision, cycle and listing ({% fragment %} keyed on
            # listing.cache_key()): the office only (COORDINATOR), so nothing in it
            # differs between users.
            entries_qs = services.roster_entries(cycle, listing)
            page = Paginator(entries_qs, PAGE_SIZE).get_page(listing.page)
            entries = list(page.object_list)
            for e in entries:
                e.role_text = role_text(e.role) if not e.manual else e.role
            history = []
            for event in history_for(state).order_by("-at", "-id")[:10]:
                history.append(
                    {
                        "event": event,
                        "added": event.after.get("count"),
                        "removed": event.before.get("count"),
                    }
                )
            return {"history": history, "page": page, "entries": entries, **_commendations(cycle)}

        state = services.state_of(cycle)
        ctx.update(
            {
                "body": SimpleLazyObject(body),
                "state": state,
                "rules": selectors.roster_rules(cycle),
                "filtered": bool(_roster_note(listing)),
                # Unbound on every view (the entry is posted to `entry_new`): a fragment.
                "form": SimpleLazyObject(
                    lambda: {"form": EntryForm(rules=services.manual_rules(cycle))}
                ),
            }
        )
    return render(request, "rewards/index.html", ctx)


@access(is_office)
@require_POST
def recompute(request, year):
    cycle = _cycle(year)
    if services.is_frozen(cycle):
        messages.error(request, _("The roster is frozen with the published results."))
    else:
        changed = services.roster_refresh(cycle=cycle, actor=request.user)
        messages.success(
            request, _("The roster was recomputed.") if changed else _("The roster is up to date.")
        )
    return _back(cycle)


@access(is_office)
@require_POST
def entry_new(request, year):
    cycle = _cycle(year)
    form = EntryForm(request.POST, rules=services.manual_rules(cycle))
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.entry_add(
                cycle=cycle,
                person=d["person"],
                role=d["role"],
                agency=d["agency"],
                kind=d["kind"],
                count=d["count"],
                rule=d["rule"],
                reason=d["reason"],
                actor=request.user,
            )
        except services.RewardError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The entry was added."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}")
    return _back(cycle)


def _entry_changes(form) -> dict:
    d = form.cleaned_data
    return {k: d[k] for k in ("person", "role", "agency", "kind", "count", "rule", "reason")}


@access(is_office)
def entry_edit(request, pk):
    """Change one of the office's own roster entries (also after publication)."""
    entry = selectors.entry_or_404(pk)
    if not entry.manual:
        raise Http404
    rules = services.manual_rules(entry.cycle)
    if request.method == "POST":
        form = EntryForm(request.POST, rules=rules)
        if form.is_valid():
            try:
                services.entry_edit(entry=entry, actor=request.user, **_entry_changes(form))
            except services.RewardError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The entry was changed."))
                return _back(entry.cycle)
        status = 400
    else:
        initial = {
            "person": entry.person,
            "role": entry.role,
            "agency": entry.agency.code if entry.agency else "",
            "kind": entry.kind,
            "count": entry.count,
            "rule": entry.rule,
            "reason": entry.reason,
        }
        form, status = EntryForm(initial=initial, rules=rules), 200
    ctx = {"entry": entry, "cycle": entry.cycle, "form": form}
    return render(request, "rewards/entry_edit.html", ctx, status=status)


@access(is_office)
@require_POST
def entry_delete(request, pk):
    entry = selectors.entry_or_404(pk)
    if entry.manual and needs_confirmation(request):
        return _confirm_entry_delete(request, entry)
    try:
        services.entry_delete(
            entry=entry, actor=request.user, reason=request.POST.get("reason", "")
        )
    except services.RewardError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The entry was deleted."))
    return _back(entry.cycle)


def _confirm_entry_delete(request, entry):
    """Issue 13 item 4: a deleted entry is gone (the audit trail keeps what it was)."""
    names = {
        "person": entry.person,
        "agency": entry.agency.name if entry.agency else "—",
        "year": format_roc_year(entry.cycle.year),
        "kind": entry.get_kind_display(),
        "count": entry.count,
        "rule": entry.rule,
    }
    return confirmation(
        request,
        title=_("Delete the roster entry of %(person)s?") % names,
        consequences=[
            _(
                "%(person)s (%(agency)s) leaves the roster of %(year)s: %(kind)s × %(count)s under %(rule)s."
            )
            % names,
            _("The roster page and its downloads no longer list the entry."),
            _(
                "The audit trail keeps what the entry was; the entry itself cannot be restored, only entered again."
            ),
        ],
        action_label=_("Delete the entry"),
        cancel_url=_back_url(entry.cycle),
        destructive=True,
    )


@access(is_office)
def export(request, year, fmt):
    if fmt not in ("xlsx", "ods", "pdf"):
        raise Http404
    cycle = _cycle(year)
    # The page's filters and order (issue 12 item 4); a filtered download says so in
    # its title line, an unfiltered one is the whole roster.
    listing = selectors.ROSTER_LIST.read(request.GET)
    data = roster_file(
        cycle,
        list(services.roster_entries(cycle, listing)),
        list(selectors.public_commendations(cycle)),
        fmt,
        filter_note=_roster_note(listing),
    )
    return file_response(data, f"敘獎名冊-{cycle.year}.{fmt}")


# --- national award ---------------------------------------------------------------------


@access(is_office | is_agency_staff)
def award(request):
    cycles = _cycles()
    listing = selectors.AWARD_LIST.read(request.GET)
    cycle = _pick(cycles, listing.get("cycle"))
    ctx = {
        "cycles": cycles,
        "cycle": cycle,
        "is_office": is_office(request.user),
        "listing": listing,
        "statuses": AwardStatus.choices,
        "sources": NominationSource.choices,
        "filtered": bool(listing.q or listing.get("status") or listing.get("source")),
    }
    if cycle is not None:
        noms = list(
            selectors.nominations_listed(request.user, cycle, listing).prefetch_related(
                "steps", "attendance", "reuses"
            )
        )
        rows, total = services.subsidies(cycle, noms)
        rows = selectors.award_sorted(rows, listing)
        labels = dict(AwardStatus.choices)
        for row in rows:
            row.amount_text = format_money(row.amount)
            row.next_choices = [(s, labels[s]) for s in services.NEXT[row.nomination.status]]
        if ctx["is_office"]:  # unpublished panel figures are the office's alone
            reviews = selectors.panel_reviews(cycle, [n.agency_id for n in noms])
            for row in rows:
                row.review = reviews[row.nomination.agency_id]
        proposable = selectors.proposable_agencies(request.user, cycle)
        ctx.update(
            {
                "rows": rows,
                "total": format_money(total),
                "propose_form": ProposeForm(agencies=proposable) if proposable.exists() else None,
                "attendance_form": AttendanceForm(),
                "totals": [(y, format_money(t)) for y, t in services.subsidy_totals()]
                if ctx["is_office"]
                else [],
                "has_subsidy": services.subsidy_rule(cycle) is not None,
                "preselections": selectors.preselections(cycle)
                if ctx["is_office"]
                else selectors.preselections(cycle, [request.user.agency_id]),
            }
        )
    return render(request, "rewards/award.html", ctx)


@access(is_office | is_agency_staff)
@require_POST
def propose(request, year):
    cycle = _cycle(year)
    form = ProposeForm(request.POST, agencies=selectors.proposable_agencies(request.user, cycle))
    if form.is_valid():
        try:
            services.nomination_propose(
                cycle=cycle,
                agency=form.cleaned_data["agency"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except services.RewardError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The agency was proposed."))
    else:
        messages.error(request, _("Choose one of your subordinate agencies."))
    return _award_back(request, cycle)


def _date_problem(form, message: str) -> str:
    """`message`, and when the date was typed but does not read, the field's own
    message that names it (issue 15 item 3)."""
    if form.data.get("on") and form.has_error("on"):
        return " ".join([message, *form.errors["on"]])
    return message


def _nomination(request, pk):
    return get_object_or_404(selectors.nominations_visible_to(request.user), pk=pk)


@access(is_office | is_agency_staff)
@require_POST
def withdraw(request, pk):
    nomination = _nomination(request, pk)
    if nomination.status == AwardStatus.PROPOSED and needs_confirmation(request):
        return _confirm_withdraw(request, nomination)
    try:
        services.nomination_withdraw(nomination=nomination, actor=request.user)
    except services.RewardError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The proposal was withdrawn."))
    return _award_back(request, nomination.cycle)


def _confirm_withdraw(request, nomination):
    """Issue 13 item 4: withdrawing deletes the proposal."""
    agency = nomination.agency
    names = {"agency": agency.name, "year": format_roc_year(nomination.cycle.year)}
    lines = [
        _(
            "%(agency)s is no longer proposed for the national award of %(year)s; the proposal and its note are deleted."
        )
        % names
    ]
    if nomination.source == NominationSource.FIRST_LEVEL and agency.parent_id:
        for p in selectors.preselections(nomination.cycle, [agency.parent_id]):
            lines.append(
                _("%(parent)s then has proposed %(n)d of %(lo)d–%(hi)d subordinate agencies.")
                % {
                    "parent": p.agency.name,
                    "n": max(p.proposed - 1, 0),
                    "lo": p.minimum,
                    "hi": p.maximum,
                }
            )
    lines.append(_("%(agency)s can be proposed again.") % names)
    return confirmation(
        request,
        title=_("Withdraw the proposal of %(agency)s?") % names,
        consequences=lines,
        action_label=_("Withdraw the proposal"),
        cancel_url=_award_back_url(request, nomination.cycle),
        destructive=True,
    )


def _warn_undecided(request, nomination):
    """CITY-10: the written review and the on-site evaluation decide; say so when
    a recommendation is recorded before the panel has done both."""
    reviews = selectors.panel_reviews(nomination.cycle, [nomination.agency_id])
    if not reviews[nomination.agency_id].decided:
        text = _(
            "Recorded, but the city's panel has not finished the written review and the on-site evaluation of %(agency)s."
        )
        messages.warning(request, text % {"agency": nomination.agency.name})


@access(is_office)
@require_POST
def step(request, pk):
    nomination = _nomination(request, pk)
    form = StepForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.nomination_step(
                nomination=nomination,
                status=d["status"],
                on=d["on"],
                note=d["note"],
                actor=request.user,
            )
        except services.RewardError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The status was recorded."))
            if d["status"] == AwardStatus.RECOMMENDED:
                _warn_undecided(request, nomination)
    else:
        messages.error(request, _date_problem(form, _("Give the new status and its date.")))
    return _award_back(request, nomination.cycle)


@access(is_office)
@require_POST
def attendance(request, pk):
    nomination = _nomination(request, pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        services.attendance_add(
            nomination=nomination,
            session=d["session"],
            on=d["on"],
            attendee=d["attendee"],
            attended=d["attended"],
            actor=request.user,
        )
        messages.success(request, _("The attendance was recorded."))
    else:
        messages.error(request, _date_problem(form, _("Give the training session and its date.")))
    return _award_back(request, nomination.cycle)


@access(is_office)
@require_POST
def reuse(request, pk):
    """CITY-11: where the office reused the agency's award material."""
    nomination = _nomination(request, pk)
    form = ReuseForm(request.POST)
    if form.is_valid():
        services.material_reuse_add(
            nomination=nomination,
            what=form.cleaned_data["what"],
            on=form.cleaned_data["on"],
            actor=request.user,
        )
        messages.success(request, _("The reuse of the material was recorded."))
    else:
        messages.error(
            request, _date_problem(form, _("Say where the material was reused, and when."))
        )
    return _award_back(request, nomination.cycle)


@access(is_office)
@require_POST
def enter_first_level(request, year):
    """CITY-10: the first-level agencies enter the city's review in their own right."""
    cycle = _cycle(year)
    created = services.nominations_enter_first_level(cycle=cycle, actor=request.user)
    messages.success(
        request,
        _("%(n)s first-level agencies entered the city's review.") % {"n": len(created)},
    )
    return _award_back(request, cycle)


@access(is_office)
@require_POST
def consent(request, pk):
    nomination = _nomination(request, pk)
    form = ConsentForm(request.POST)
    form.is_valid()
    services.consent_set(
        nomination=nomination, consent=bool(form.cleaned_data.get("consent")), actor=request.user
    )
    messages.success(request, _("The consent was recorded."))
    return _award_back(request, nomination.cycle)
