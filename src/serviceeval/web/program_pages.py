"""Programs in the browser (issue 11 item 3): upload a program file, download one
version as YAML, compare two versions of a program node by node. The office only."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from serviceeval.accounts.rules import is_office, is_superuser
from serviceeval.core.access import access
from serviceeval.core.confirm import confirmation, needs_confirmation
from serviceeval.cycles.services import CycleError, program_confirm_with_points
from serviceeval.engine.program import Problem, ProgramInvalid, summary
from serviceeval.engine.program_diff import diff_rubrics
from serviceeval.programs import services as program_services
from serviceeval.programs.labels import reward_rule_kind_name
from serviceeval.programs.models import Program
from serviceeval.programs.selectors import program_pair, program_versions
from serviceeval.programs.services import ProgramExists, ProgramRefused

# A program file is a few tens of kB (the built-ins: ~20 kB); the evidence limit
# (UPLOAD_MAX_BYTES, 20 MB) is far more than YAML needs.
PROGRAM_MAX_BYTES = 1024 * 1024
PROGRAM_EXTENSIONS = (".yaml", ".yml")
# Who manages programs: the office and superusers (issue 11 item 3).
can_manage_programs = is_office | is_superuser


class ProgramUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Program file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        ext = Path(upload.name or "").suffix.lower()
        if ext not in PROGRAM_EXTENSIONS:
            raise forms.ValidationError(
                _("File type %(ext)s is not allowed. Allowed: %(allowed)s")
                % {"ext": ext or "?", "allowed": ", ".join(PROGRAM_EXTENSIONS)}
            )
        if upload.size > PROGRAM_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": PROGRAM_MAX_BYTES // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


@access(can_manage_programs)
def program_upload(request):
    """GET: the form. POST: the checks of `program_check`; problems are listed one
    per line and nothing is stored; a valid file becomes a new program or version."""
    form = ProgramUploadForm(request.POST or None, request.FILES or None)
    problems: list[Problem] = []
    existing = None
    if request.method == "POST":
        if form.is_valid():
            try:
                program = _upload(form.cleaned_data["file"], request.user)
            except (ProgramInvalid, ProgramRefused) as exc:
                problems = exc.problems
            except ProgramExists as exc:
                existing = exc.program
            else:
                messages.success(
                    request, _("Loaded: %(summary)s") % {"summary": summary(program.spec)}
                )
                return redirect("program_detail", pk=program.pk)
        status = 400
    else:
        status = 200
    return render(
        request,
        "web/program_upload.html",
        {"form": form, "problems": problems, "existing": existing},
        status=status,
    )


def _upload(upload, actor) -> Program:
    upload.seek(0)
    return program_services.program_upload(data=upload.read(), actor=actor)


@access(can_manage_programs)
def program_yaml(request, pk):
    """The stored program file, byte for byte as it was loaded."""
    program = get_object_or_404(Program.objects.only("code", "version", "source"), pk=pk)
    response = HttpResponse(program.source, content_type="application/yaml; charset=utf-8")
    filename = f"{program.code}-v{program.version}.yaml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@access(can_manage_programs)
def program_compare(request, pk, other_pk):
    pair = program_pair(pk, other_pk)
    if pair is None:
        raise Http404
    program, other = pair
    old, new = sorted(pair, key=lambda p: p.version)
    diff = diff_rubrics(old.spec, new.spec)
    names = {c.code: c.name for spec in (old.spec, new.spec) for c in spec.categories}
    show_all = request.GET.get("all") == "1"
    return render(
        request,
        "web/program_compare.html",
        {
            "program": program,
            "other": other,
            "old": old,
            "new": new,
            "diff": diff,
            "counts": diff.counts,
            "rows": diff.rows if show_all else diff.changed,
            "show_all": show_all,
            "category_names": names,
        },
    )


def page_context(program, versions, **extra) -> dict:
    """What the program page shows: grade bands, the rubric with points and criterion
    texts, reward rules, the other versions to compare with."""
    spec = program.spec
    names = {c.code: c.name for c in spec.categories}
    nodes = list(program.nodes.order_by("category", "position"))
    for n in nodes:
        n.category_name = names.get(n.category, n.category)
        n.field_name = f"points-{n.category}-{n.code}"
    rules = [
        {"rule": r.rule, "kind_name": reward_rule_kind_name(r.kind)} for r in spec.reward_rules
    ]
    return {
        "program": program,
        "spec": spec,
        "nodes": nodes,
        "reward_rules": rules,
        "versions": versions,
        **extra,
    }


MAX_NODE_POINTS = Decimal(100000)


def _edited_points(post, nodes) -> tuple[dict, list[str]]:
    """(category, code) → Decimal for every node the form names, and the nodes whose
    value is not a number of points (0 to 100000, at most two decimals)."""
    points, bad = {}, []
    for n in nodes:
        raw = (post.get(n.field_name) or "").strip()
        if not raw:
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if (
            value is None
            or not value.is_finite()
            or not Decimal(0) <= value <= MAX_NODE_POINTS
            or value != value.quantize(Decimal("0.01"))
        ):
            bad.append(n.code)
            continue
        points[(n.category, n.code)] = value.normalize()
    return points, bad


def confirm_with_points(request, program):
    """The confirm form of a provisional program with its points as fields (CITY-16).
    None when no point differs (the plain confirmation goes on); else the
    confirmation page, the problems (400, nothing stored) or the new version."""
    versions = list(program_versions(program))
    ctx = page_context(program, versions)
    nodes = ctx["nodes"]
    points, bad = _edited_points(request.POST, nodes)
    if bad:
        problems = [Problem(code, _("Enter a number of points.")) for code in bad]
        return render(request, "web/program_detail.html", {**ctx, "problems": problems}, status=400)
    changes = [
        n
        for n in nodes
        if (n.category, n.code) in points and points[(n.category, n.code)] != n.max_points
    ]
    if not changes:
        return None
    using = list(program.cycle_set.order_by("year"))
    if needs_confirmation(request):
        started = [c for c in using if c.scoring_started_at is not None]
        waiting = [c for c in using if c.scoring_started_at is None]
        names = {"name": program.name, "code": program.code, "version": program.version}
        consequences = [
            _(
                "A new version of %(code)s is stored with the edited points of %(n)d node(s), confirmed; v%(version)s stays as it is."
            )
            % {**names, "n": len(changes)},
        ]
        if waiting:
            consequences.append(
                _("These cycles have not started scoring and move to the new version: %(cycles)s")
                % {"cycles": "、".join(c.name for c in waiting)}
            )
        if started:
            consequences.append(
                _("These cycles have started scoring and keep v%(version)s: %(cycles)s")
                % {**names, "cycles": "、".join(c.name for c in started)}
            )
        return confirmation(
            request,
            title=_("Confirm the points of %(name)s (%(code)s v%(version)s)?") % names,
            consequences=consequences,
            action_label=_("Confirm the points"),
            cancel_url=reverse("program_detail", args=[program.pk]),
        )
    try:
        revised, moved, kept = program_confirm_with_points(
            program=program, points=points, user=request.user
        )
    except (ProgramInvalid, ProgramRefused, CycleError) as exc:
        problems = getattr(exc, "problems", None) or [Problem("—", str(exc))]
        return render(request, "web/program_detail.html", {**ctx, "problems": problems}, status=400)
    messages.success(
        request,
        _("Version v%(version)s is stored with the confirmed points.")
        % {"version": revised.version},
    )
    return redirect("program_detail", pk=revised.pk)
