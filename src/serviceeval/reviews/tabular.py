"""Reading score files: `core.tabular.read_rows` reads CSV, XLSX and ODS (the XLSX
and ODS through python-calamine, fast enough for the 260,000-row national file;
SPEC §5: import ≤ 30 s, docs/PERFORMANCE.md). Kept so `import_scores` and the
benches keep their name for it."""

from serviceeval.core.tabular import read_rows as read_score_rows

__all__ = ["read_score_rows"]
