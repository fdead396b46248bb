"""Factories for tests (factory_boy). Programs are the built-in ones, loaded by migrate."""

import factory

from serviceeval.accounts.enums import Role
from serviceeval.accounts.models import User
from serviceeval.agencies.enums import AgencyKind, Category
from serviceeval.agencies.models import Agency, Group
from serviceeval.cycles.services import cycle_create
from serviceeval.programs.services import program_latest

TEST_PASSWORD = "Test-password-2026!"


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"g{n}")
    name = factory.LazyAttribute(lambda o: f"第{o.code}組")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"A{n:04d}")
    name = factory.Sequence(lambda n: f"測試機關{n:04d}")
    kind = AgencyKind.FIRST_LEVEL
    category = Category.OVERALL
    group = factory.LazyFunction(lambda: Group.objects.get(code="1"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.COORDINATOR
    agency = None
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_cycle(year=105, program_code="hsinchu-105", groups=None, agencies=None):
    return cycle_create(
        program=program_latest(program_code), year=year, groups=groups, agencies=agencies
    )


def user_for(role, agency=None, **kw):
    if role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD) and agency is None:
        agency = AgencyFactory()
    return UserFactory(role=role, agency=agency, **kw)


def post_confirmed(client, url, data=None, **kw):
    """Issue 13 item 4: post `data` to a consequential action the way a person does.
    The first post must answer the confirmation page (re-posting every field with
    ``confirmed=1``) and change nothing the caller then checks; the second, confirmed,
    post is returned."""
    data = dict(data or {})
    asked = client.post(url, data)
    assert asked.status_code == 200, asked.status_code
    assert 'name="confirmed" value="1"' in asked.content.decode()
    return client.post(url, {**data, "confirmed": "1"}, **kw)
