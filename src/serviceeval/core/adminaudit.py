"""Django admin writes go to the audit trail like every other write.

The admin is the program office's tool for reference data (agencies, people,
cycles, accounts). Its own LogEntry table keeps only a summary; the mixin below
also records an AuditEvent with the changed fields before and after, so the
history pages, the backups and the page memo (`core.memo`, keyed on the newest
audit event) see admin edits too.
"""

from __future__ import annotations

from .audit import audit_record

SECRET_FIELDS = {"password"}


def _changes(form) -> tuple[dict, dict]:
    before, after = {}, {}
    for name in form.changed_data:
        if name in SECRET_FIELDS or name.startswith("password"):
            before[name], after[name] = "***", "***"
            continue
        before[name] = form.initial.get(name)
        after[name] = form.cleaned_data.get(name)
    return _plain(before), _plain(after)


def _plain(values: dict) -> dict:
    """Model instances and querysets as their keys, so the trail stays JSON."""
    out = {}
    for key, value in values.items():
        if hasattr(value, "all") and callable(value.all):
            value = [getattr(v, "pk", v) for v in value.all()]
        elif isinstance(value, (list, tuple, set)):
            value = [getattr(v, "pk", v) for v in value]
        out[key] = value
    return out


class AuditedAdminMixin:
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        before, after = _changes(form)
        if change and not after:
            return
        audit_record(
            actor=request.user,
            action="admin_changed" if change else "admin_added",
            obj=obj,
            before=before,
            after=after,
        )

    def save_formset(self, request, form, formset, change):
        deleted = [(f.instance, f.instance.pk) for f in formset.deleted_forms if f.instance.pk]
        edited = [
            (f, f.instance.pk is None)
            for f in formset.forms
            if f.has_changed() and f not in formset.deleted_forms
        ]
        super().save_formset(request, form, formset, change)
        for inline_form, added in edited:
            before, after = _changes(inline_form)
            action = "admin_added" if added else "admin_changed"
            audit_record(
                actor=request.user,
                action=action,
                obj=inline_form.instance,
                before=before,
                after=after,
            )
        for obj, pk in deleted:
            obj.pk = pk
            audit_record(
                actor=request.user, action="admin_deleted", obj=obj, before={"repr": str(obj)}
            )

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        obj.pk = pk
        audit_record(actor=request.user, action="admin_deleted", obj=obj, before={"repr": str(obj)})

    def delete_queryset(self, request, queryset):
        gone = list(queryset)
        super().delete_queryset(request, queryset)
        for obj in gone:
            audit_record(
                actor=request.user, action="admin_deleted", obj=obj, before={"repr": str(obj)}
            )
