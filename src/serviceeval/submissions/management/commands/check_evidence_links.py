"""Queue a dead-link check for every URL evidence (run it e.g. nightly)."""

from django.core.management.base import BaseCommand

from serviceeval.submissions.enums import EvidenceKind
from serviceeval.submissions.models import Evidence
from serviceeval.submissions.tasks import check_evidence_link


class Command(BaseCommand):
    help = "Queue a link check (django-tasks) for each URL evidence."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", type=int, help="only this ROC year")

    def handle(self, *args, cycle=None, **options):
        qs = Evidence.objects.filter(kind=EvidenceKind.URL)
        if cycle:
            qs = qs.filter(submission__cycle__year=cycle)
        n = 0
        for pk in qs.values_list("pk", flat=True).iterator():
            check_evidence_link.enqueue(pk)
            n += 1
        self.stdout.write(f"queued {n} link checks")
