from django.db import migrations, models


def drop_counts_without_lock(apps, schema_editor):
    # Counts move to the cache; only rows that hold a lock stay.
    apps.get_model("accounts", "LoginThrottle").objects.filter(locked_until__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_throttle_recovery_codes")]

    operations = [
        migrations.RunPython(drop_counts_without_lock, migrations.RunPython.noop),
        migrations.RemoveField(model_name="loginthrottle", name="failures"),
        migrations.RemoveField(model_name="loginthrottle", name="window_start"),
        migrations.AlterField(
            model_name="loginthrottle",
            name="locked_until",
            field=models.DateTimeField(),
        ),
    ]
