"""Issue 11 item 4: the office manages accounts on its own pages.

List, create, edit, deactivate or reactivate, reset two-factor, send the
set-password link again. Nothing deletes an account: its history names it."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from serviceeval.core.access import access
from serviceeval.core.confirm import confirmation, needs_confirmation

from .enums import Role
from .forms import PersonForm
from .models import User
from .rules import can_manage_accounts
from .selectors import PEOPLE_LIST, people_list, person_by_pk
from .services import (
    AccountError,
    set_password_link_send,
    user_create,
    user_deactivate,
    user_reactivate,
    user_reset_two_factor,
    user_update,
)
from .twofactor import has_confirmed_device

PAGE_SIZE = 50


def _person(pk) -> User:
    try:
        return person_by_pk(pk)
    except User.DoesNotExist:
        raise Http404 from None


@access(can_manage_accounts)
def people(request):
    listing = PEOPLE_LIST.read(request.GET)
    page = Paginator(people_list(listing), PAGE_SIZE).get_page(listing.page)
    query = listing.query_without_page
    return render(
        request,
        "accounts/people.html",
        {
            "listing": listing,
            "page": page,
            "people": page.object_list,
            "page_query": f"{query}&" if query else "",
            "roles": Role.choices,
            "role": listing.get("role"),
            "active": listing.get("active"),
        },
    )


@access(can_manage_accounts)
def person_create(request):
    form = PersonForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_create(
                actor=request.user,
                username=data["username"],
                name=data["name"],
                role=data["role"],
                agency=data["agency"],
                email=data["email"],
            )
        except AccountError as refused:
            form.add_error(None, str(refused))
        else:
            if user.email:
                messages.success(
                    request,
                    _("Account %(username)s created; the set-password link was sent to %(email)s.")
                    % {"username": user.username, "email": user.email},
                )
            else:
                messages.warning(
                    request,
                    _(
                        "Account %(username)s created without an e-mail address: add one to send the set-password link."
                    )
                    % {"username": user.username},
                )
            return redirect("accounts:person_edit", user.pk)
    return render(
        request,
        "accounts/person_form.html",
        {"form": form, "creating": True},
        status=400 if form.errors else 200,
    )


@access(can_manage_accounts)
def person_edit(request, pk):
    person = _person(pk)
    initial = {
        "name": person.last_name or person.first_name,
        "role": person.role,
        "agency": person.agency,
        "email": person.email,
    }
    form = PersonForm(request.POST or None, initial=initial, creating=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = user_update(
                actor=request.user,
                user=person,
                name=data["name"],
                role=data["role"],
                agency=data["agency"],
                email=data["email"],
            )
        except AccountError as refused:
            form.add_error(None, str(refused))
            person.refresh_from_db()
        else:
            messages.success(request, _("Saved.") if changed else _("Nothing changed."))
            return redirect("accounts:person_edit", person.pk)
    return render(
        request,
        "accounts/person_form.html",
        {
            "form": form,
            "creating": False,
            "person": person,
            "has_two_factor": has_confirmed_device(person),
            "own": person.pk == request.user.pk,
        },
        status=400 if form.errors else 200,
    )


def _post_only(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


@access(can_manage_accounts)
def person_active(request, pk):
    """Deactivate (asks first) or reactivate an account; never delete it."""
    if (refused := _post_only(request)) is not None:
        return refused
    person = _person(pk)
    back = reverse("accounts:person_edit", args=[person.pk])
    if person.is_active:
        if needs_confirmation(request):
            return confirmation(
                request,
                title=_("Deactivate %(name)s") % {"name": person},
                consequences=[
                    _("The account can no longer sign in and receives no notices."),
                    _("Its history stays: it is not deleted and can be reactivated later."),
                ],
                action_label=_("Deactivate the account"),
                cancel_url=back,
                destructive=True,
            )
        try:
            user_deactivate(actor=request.user, user=person)
        except AccountError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The account is deactivated."))
    else:
        user_reactivate(actor=request.user, user=person)
        messages.success(request, _("The account is active again."))
    return redirect(back)


@access(can_manage_accounts)
def person_twofactor_reset(request, pk):
    if (refused := _post_only(request)) is not None:
        return refused
    person = _person(pk)
    back = reverse("accounts:person_edit", args=[person.pk])
    if needs_confirmation(request):
        return confirmation(
            request,
            title=_("Reset two-factor sign-in of %(name)s") % {"name": person},
            consequences=[
                _("The authenticator and the recovery codes of the account stop working."),
                _("At the next sign-in the account sets up a new authenticator."),
            ],
            action_label=_("Reset two-factor sign-in"),
            cancel_url=back,
            destructive=True,
        )
    user_reset_two_factor(actor=request.user, user=person)
    messages.success(request, _("Two-factor sign-in was reset."))
    return redirect(back)


@access(can_manage_accounts)
def person_send_link(request, pk):
    if (refused := _post_only(request)) is not None:
        return refused
    person = _person(pk)
    if set_password_link_send(user=person, actor=request.user):
        messages.success(
            request, _("The set-password link was sent to %(email)s.") % {"email": person.email}
        )
    else:
        messages.error(
            request, _("No link was sent: the account needs an e-mail address and must be active.")
        )
    return redirect("accounts:person_edit", person.pk)
