"""Transcript PDF render time and peak memory: 20 rows (about one page) and 500 rows.

Run: DATABASE_URL=... .venv/bin/python bench/transcripts_pdf.py
Each size runs in its own process (so peak RSS is its own); the data is rolled back.
"""

import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
SIZES = (20, 500)


class Rollback(Exception):
    pass


def one_size(rows, runs):
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    from django.db import transaction
    from pypdf import PdfReader

    from tests.factories import LearnerFactory
    from tests.transcripts.test_tab import fill
    from transcripts import selectors
    from transcripts.models import TranscriptSettings
    from transcripts.pdf import transcript_pdf

    try:
        with transaction.atomic():
            learner = LearnerFactory(first_name="Bench", last_name="Learner")
            field = fill(learner, rows)
            settings = TranscriptSettings.load()
            settings.columns = [
                "title",
                "kind",
                "completed_at",
                "score",
                "time_spent",
                "certificate_code",
                "credits",
            ]
            settings.credits_field = field
            settings.save()
            transcript_pdf(selectors.transcript(learner))  # warm WeasyPrint and fonts
            base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            samples, cpu = [], []
            for _ in range(runs):
                start, start_cpu = time.perf_counter(), time.process_time()
                data = transcript_pdf(selectors.transcript(learner))
                samples.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            transcript_pdf(selectors.transcript(learner))
            _, traced_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            pages = len(PdfReader(__import__("io").BytesIO(data)).pages)
            raise Rollback
    except Rollback:
        pass
    print(
        f"{rows:>4} rows  {pages:>3} page(s)  {len(data) / 1024:7.0f} KiB  "
        f"render median {statistics.median(samples):6.3f} s  min {min(samples):6.3f} s  "
        f"CPU median {statistics.median(cpu):6.3f} s (n={runs})  load {os.getloadavg()[0]:.1f}\n"
        f"            peak RSS {peak_rss / 1024:6.0f} MiB "
        f"(+{(peak_rss - base_rss) / 1024:.0f} over warm-up)  "
        f"Python peak (tracemalloc) {traced_peak / 2**20:6.1f} MiB"
    )


def main():
    if len(sys.argv) == 3:
        one_size(int(sys.argv[1]), int(sys.argv[2]))
        return
    print(f"Transcript PDF (WeasyPrint, A4, 7 columns), Python {sys.version.split()[0]}")
    for rows in SIZES:
        runs = 7 if rows <= 20 else 3
        subprocess.run([sys.executable, __file__, str(rows), str(runs)], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
