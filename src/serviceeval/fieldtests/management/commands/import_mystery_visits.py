from django.utils.translation import gettext_lazy

from serviceeval.fieldtests.services import VISIT_COLUMNS, mystery_visits_import

from ._common import ImportCommand


class Command(ImportCommand):
    help = (
        "Import mystery-shopper visits (CITY-8) from CSV/XLSX/ODS with columns "
        "agency,date,tester,tested_staff,score (score out of 100; all-or-nothing)."
    )
    columns = VISIT_COLUMNS
    done = gettext_lazy("Import complete: %(count)s mystery-shopper visits.")

    def run_import(self, **kwargs):
        return mystery_visits_import(**kwargs)
