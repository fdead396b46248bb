from django.utils.translation import gettext_lazy

from serviceeval.fieldtests.services import PHONE_COLUMNS, phone_tests_import

from ._common import ImportCommand


class Command(ImportCommand):
    help = (
        "Import telephone courtesy tests (CITY-9) from CSV/XLSX/ODS with columns "
        "agency,date,tester,tested_staff,switchboard,business: one row per call, raw part "
        "scores out of the part's max, empty when the part was not tested (all-or-nothing)."
    )
    columns = PHONE_COLUMNS
    done = gettext_lazy("Import complete: %(count)s telephone tests.")

    def run_import(self, **kwargs):
        return phone_tests_import(**kwargs)
