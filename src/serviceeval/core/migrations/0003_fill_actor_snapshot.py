"""Copy each existing event's actor (username, display name) onto the row, while
the table can still be updated: migration 0004 makes it append-only in the database.
Events whose account was already deleted (actor set to NULL before) stay unnamed."""

from django.conf import settings
from django.db import migrations
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Trim


def fill(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    db = schema_editor.connection.alias
    user = User.objects.using(db).filter(pk=OuterRef("actor_id"))
    events = AuditEvent.objects.using(db).filter(actor_id__isnull=False)
    full_name = Trim(Concat("first_name", Value(" "), "last_name"))
    # As User.__str__ (get_full_name() or username), in two statements; an actor id
    # without a user left (no constraint since 0002) gets empty names.
    events.update(
        actor_username=Coalesce(Subquery(user.values("username")[:1]), Value("")),
        actor_name=Coalesce(Subquery(user.annotate(full=full_name).values("full")[:1]), Value("")),
    )
    events.filter(actor_name="").update(actor_name=F("actor_username"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_auditevent_actor_snapshot"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=False)]
