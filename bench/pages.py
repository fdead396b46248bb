"""National-scale page bench (SPEC §5 "pages"): the busiest pages under 16 concurrent
clients on the national data set, served by gunicorn with production settings.

    .venv/bin/python bench/pages.py                        # SQLite, throwaway file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/serviceeval_bench \
        .venv/bin/python bench/pages.py                    # PostgreSQL
    .venv/bin/python bench/pages.py --seconds 3 --only results   # a quick look

It never touches the database DATABASE_URL names: it builds the national data set
(bench/national.py: 2,000 agencies, 150 reviewers, 260,000 scores, published results,
24,000 telephone tests, 8,000 visits, plans and reports) in a database of its own
(SQLite: a temporary file; PostgreSQL: `<name>_pages`), starts two gunicorn processes
(2 threads each by default, gthread, DEBUG off, production settings behind an HTTPS
proxy: with 8 threads a process the GIL contention costs ~3 ms of CPU a request) on two
free 127.0.0.1 ports sharing the database and Redis (REDIS_URL, or a throwaway
`redis-server`), signs each client in through the login form on one of them (half the
clients on each), and drops the database at the end. `--topology one` is the former
set-up: one gunicorn with 2 workers and local-memory caches.

Printed per page: the queries of one request and the median time of one request
alone (both in-process, after a warm-up request: CaptureQueriesContext, 5 requests),
the time of the first request the server answered (cold: per-process memo empty),
then requests, errors, median and p95 of CLIENTS concurrent keep-alive clients hitting
the page for --seconds, and PASS/FAIL against the bar: median ≤ 50 ms and p95 ≤ 150
ms, no error, and the server's CPU a request within 2× of the lightest signed-in page
(the layout and the password form). The load average is printed before and after: the
clients share the machine with the server, and anything else running slows every
figure down. The exit
code is 0 whatever the figures (a bench, not a test).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serviceeval.settings.base")
os.environ.setdefault("DEBUG", "0")  # no query log in memory while building

import national  # noqa: E402  (this folder: the shared national data set)

CLIENTS = 16
GRID_YEAR = 106  # the assignment cycle (issue 12 item 5): hsinchu-105, not scored yet
CPU_RATIO = 2.0  # a busy page's server CPU per request against LAYOUT_PAGE's
LAYOUT_PAGE = "layout only (office, password page)"
MEDIAN_MS = 50
P95_MS = 150
PASSWORD = "bench-Password-2026!"  # noqa: S105 (throwaway accounts of the throwaway database)
USERS = {
    "office": ("bench-office", "coordinator"),
    "officer": ("bench-officer", "agency_officer"),
    "reviewer": ("rev001", "reviewer"),  # ~66 assigned agencies
    "tester": ("tester00", "tester"),
}


# --- the data -----------------------------------------------------------------------


def build(tmp: Path) -> dict:
    """The national data set with every page's data: returns what the page URLs need."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from serviceeval.accounts.models import User
    from serviceeval.core.tabular import read_rows
    from serviceeval.fieldtests.services import (
        PHONE_COLUMNS,
        VISIT_COLUMNS,
        mystery_visits_import,
        phone_tests_import,
    )
    from serviceeval.reviews.models import Assignment, Improvement
    from serviceeval.reviews.services import REQUIRED_IMPORT_COLUMNS, publish_results, scores_import
    from serviceeval.reviews.tabular import read_score_rows
    from serviceeval.submissions.models import Submission

    def step(label, fn):
        start = time.perf_counter()
        out = fn()
        print(f"  {label:<62} {time.perf_counter() - start:6.1f} s", flush=True)
        return out

    agencies = step(
        "2,000 agencies, groups, standing rosters",
        lambda: national.agencies(groups=True, people=True),
    )
    review, scores_csv, _xlsx, n = step(
        "hsinchu-105 cycle, panel, assignments, score files",
        lambda: national.review_cycle(tmp, agencies, xlsx=False),
    )

    def import_scores():
        report = scores_import(
            cycle=review, rows=read_score_rows(scores_csv, REQUIRED_IMPORT_COLUMNS)
        )
        assert report.errors == [], report.errors[:3]
        return report.scores

    step(f"import {n} scores", import_scores)
    step("re-evaluation round of the 丙 agencies", lambda: national.re_evaluation_round(review))
    step(
        "publish the results (snapshot, carry-over, roster)",
        lambda: publish_results(cycle=review, actor=None),
    )
    field, phone, visits = step(
        "city-service-upgrade cycle, testers, field-test files",
        lambda: national.fieldtest_cycle(tmp, agencies),
    )

    def import_field(fn, path, cols):
        report = fn(cycle=field, rows=read_rows(path, cols))
        assert report.errors == [], report.errors[:3]

    step(
        f"import {national.CALLS} telephone tests (+ roster)",
        lambda: import_field(phone_tests_import, phone, PHONE_COLUMNS),
    )
    step(
        f"import {national.VISITS} mystery-shopper visits (+ roster)",
        lambda: import_field(mystery_visits_import, visits, VISIT_COLUMNS),
    )

    def submissions():
        # Plans and reports of the field-test cycle in every state; a sixth of the plans
        # accepted (the public page lists them).
        states = ["draft", "approved", "submitted", "returned", "accepted"]
        now = timezone.now()
        rows = []
        for i, a in enumerate(agencies):
            for kind, shift in (("plan", 0), ("report", 2)):
                if (i + shift) % 6 == 5:
                    continue  # not started
                state = states[(i + shift) % 6]
                rows.append(
                    Submission(
                        cycle=field,
                        agency=a,
                        kind=kind,
                        category="overall",
                        state=state,
                        version=1,
                        sections={"cover": f"{a.name}實施計畫", "content": "計畫內容。" * 40},
                        submitted_at=now if state in ("submitted", "accepted") else None,
                        accepted_at=now if state == "accepted" else None,
                    )
                )
        Submission.objects.bulk_create(rows, batch_size=2000)
        return len(rows)

    step("plans and reports in every state", submissions)

    def improvements():
        # HSC-12: an item for every agency re-evaluated, half of them overdue.
        ids = Assignment.objects.filter(cycle=review, round="re-evaluation").values_list(
            "agency_id", flat=True
        )
        today = timezone.localdate()
        Improvement.objects.bulk_create(
            Improvement(
                cycle=review,
                agency_id=a,
                text="應行改進事項",
                deadline=today + timedelta(days=30 if k % 2 else -30),
            )
            for k, a in enumerate(ids)
        )

    step("improvement items of the re-evaluated agencies", improvements)

    def users():
        password = make_password(PASSWORD)
        office = User.objects.create(
            username=USERS["office"][0], role="coordinator", password=password
        )
        officer = User.objects.create(
            username=USERS["officer"][0],
            role="agency_officer",
            agency=agencies[0],
            password=password,
        )
        User.objects.filter(username__in=[USERS["reviewer"][0], USERS["tester"][0]]).update(
            password=password
        )
        return office, officer

    step("sign-in accounts (office, agency officer, reviewer, tester)", users)

    def assignment_cycle():
        # Issue 12 item 5: the assignment grid of a cycle not scored yet (the review
        # cycle's results are published, so its grid is read-only): the same 2,000
        # agencies, a panel of REVIEWERS other reviewers (the sign-in reviewer's pages
        # stay as they were) capped at 80, PER_AGENCY assignments an agency and a
        # declared conflict for every tenth agency.
        from serviceeval.agencies.models import Agency
        from serviceeval.cycles.services import cycle_create
        from serviceeval.programs.services import program_latest
        from serviceeval.reviews.models import Conflict, PanelMember

        cycle = cycle_create(
            program=program_latest("hsinchu-105"),
            year=GRID_YEAR,
            agencies=Agency.objects.filter(pk__in=[a.pk for a in agencies]),
        )
        User.objects.bulk_create(
            User(username=f"grid{i:03d}", role="reviewer", password=make_password(None))
            for i in range(national.REVIEWERS)
        )
        panel = list(User.objects.filter(username__startswith="grid").order_by("username"))
        PanelMember.objects.bulk_create(
            PanelMember(cycle=cycle, user=u, role="member", max_assignments=80) for u in panel
        )
        per, n = national.PER_AGENCY, len(panel)
        Assignment.objects.bulk_create(
            (
                Assignment(cycle=cycle, agency=a, reviewer=panel[(i * per + k) % n])
                for i, a in enumerate(agencies)
                for k in range(per)
            ),
            batch_size=5000,
        )
        Conflict.objects.bulk_create(
            Conflict(
                cycle=cycle,
                agency=a,
                reviewer=panel[(i * per + per) % n],
                source="declared",
                reason="曾任該機關顧問",
            )
            for i, a in enumerate(agencies)
            if i % 10 == 0
        )

    step("assignment cycle: panel of 150, 10,000 assignments, 200 conflicts", assignment_cycle)
    from django.db import connection

    if connection.vendor == "postgresql":

        def analyze():
            # The tables above were bulk-loaded at once: planner statistics, as after
            # any bulk load (a live database has them from autovacuum).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        step("ANALYZE (planner statistics after the bulk load)", analyze)
    reviewer = User.objects.get(username=USERS["reviewer"][0])
    sheet_agencies = list(
        Assignment.objects.filter(cycle=review, reviewer=reviewer, round="first")
        .order_by("agency__code")
        .values_list("agency_id", flat=True)
    )
    from serviceeval.agencies.models import Group

    groups = [
        g
        for g in Group.objects.order_by("code").values_list("code", flat=True)
        if review.participants.filter(group__code=g).exists()
    ]
    return {
        "review": review.year,
        "field": field.year,
        "sheet_agencies": sheet_agencies,
        "groups": groups,
        "assigned": len(sheet_agencies),
        "grid": GRID_YEAR,
        "officer_agency": agencies[0].pk,
    }


@dataclass
class Page:
    label: str
    role: str | None  # None: anonymous
    urls: list[str]  # the clients take turns over these (one page, several objects)


def pages(data: dict) -> list[Page]:
    review, field = data["review"], data["field"]
    sheets = [f"/reviews/cycles/{review}/agencies/{a}/sheet/first/" for a in data["sheet_agencies"]]
    out = [
        # The lightest signed-in page: the layout and one small form. The bar for CPU is
        # within 2x of it (issue 10).
        Page(LAYOUT_PAGE, "office", ["/accounts/password/"]),
        Page("dashboard (office)", "office", ["/dashboard/"]),
        Page("dashboard (agency officer)", "officer", ["/dashboard/"]),
        Page("dashboard (reviewer)", "reviewer", ["/dashboard/"]),
        Page("dashboard (tester)", "tester", ["/dashboard/"]),
        Page("submission status (office)", "office", [f"/submissions/status/?cycle={field}"]),
    ]
    for g in data["groups"]:
        out.append(
            Page(
                f"results, group {g} (office)",
                "office",
                [f"/reviews/cycles/{review}/results/?{urlencode({'group': g})}"],
            )
        )
    out += [
        Page("scoring sheet (reviewer)", "reviewer", sheets),
        Page(f"assignments, {data['assigned']} agencies (reviewer)", "reviewer", ["/reviews/"]),
        Page("calibration (office)", "office", [f"/reviews/cycles/{review}/calibration/"]),
        Page("field-test analysis (office)", "office", [f"/fieldtests/?cycle={field}"]),
        Page("field tests (tester)", "tester", [f"/fieldtests/?cycle={field}"]),
        Page("record a telephone test (tester)", "tester", [f"/fieldtests/{field}/phone/new/"]),
        Page("reward roster (office)", "office", [f"/rewards/?cycle={field}"]),
        Page("agency list (office)", "office", ["/agencies/"]),
        Page(
            "assignment grid, 50 agencies × 25 reviewers (office)",
            "office",
            [f"/reviews/cycles/{data['grid']}/assignments/grid/"],
        ),
        Page(
            "assignment grid, group 2, searched, page 2 (office)",
            "office",
            [f"/reviews/cycles/{data['grid']}/assignments/grid/?group=2&q=N0&page=2&rpage=3"],
        ),
        Page(
            "automatic assignment preview, need 6 (office)",
            "office",
            [f"/reviews/cycles/{data['grid']}/assignments/grid/?need=6&preview=1"],
        ),
        Page("public plans (anonymous)", None, [f"/submissions/public/{field}/"]),
        # Issue 12: the published results of 2,000 agencies, and one agency's history.
        Page("public results, every agency (anonymous)", None, [f"/results/{review}/"]),
        Page(
            "agency history (agency officer)",
            "officer",
            [f"/agencies/{data['officer_agency']}/history/"],
        ),
    ]
    return out


# --- counting queries in-process ----------------------------------------------------


def count_queries(page_list: list[Page]) -> dict[str, tuple[int, float]]:
    """Queries of one request of each page (the first URL), after a warm-up request, and
    the median time of 5 more requests in-process, one at a time: what a request costs,
    whatever else the machine runs."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from serviceeval.accounts.models import User

    setup_test_environment()
    clients: dict = {}
    out = {}
    for page in page_list:
        if page.role not in clients:
            client = Client(HTTP_HOST="127.0.0.1")
            if page.role is not None:
                client.force_login(User.objects.get(username=USERS[page.role][0]))
            clients[page.role] = client
        client = clients[page.role]
        client.get(page.urls[0])
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(page.urls[0])
        # Read now: every request starts by emptying the connection's query log.
        n = len(ctx) if response.status_code == 200 else -response.status_code
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            client.get(page.urls[0])
            times.append(time.perf_counter() - t0)
        out[page.label] = (n, statistics.median(times) * 1000)
    connection.close()
    return out


# --- the server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(db: dict) -> str:
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{db['NAME']}"


def start_server(db: dict, tmp: Path, port: int, workers: int, threads: int, redis: str = ""):
    var = tmp / "var"
    (var / "staticfiles").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "serviceeval.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(db),
        "SERVICEEVAL_VAR": str(var),
        # TOTP is one step of the sign-in, not of each page; the bench signs in by password.
        "OTP_ENFORCE": "0",
        # Two processes share fragments, sessions and counters only through Redis.
        "REDIS_URL": redis,
        "CACHE_KEY_PREFIX": f"bench-pages-{os.getpid()}",
    }
    env.pop("DEBUG", None)
    log = (tmp / f"gunicorn-{port}.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "serviceeval.wsgi:application",
            "--pythonpath",
            str(ROOT / "src"),
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            *os.environ.get("BENCH_GUNICORN_ARGS", "").split(),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {tmp / f'gunicorn-{port}.log'}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/", headers={"X-Forwarded-Proto": "https"})
            conn.getresponse().read()
            conn.close()
            return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- the clients ----------------------------------------------------------------------


class Browser:
    """One client: a keep-alive connection and its cookies, as behind the HTTPS proxy."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, url: str, body: str | None = None, headers=None):
        hdrs = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "zh-Hant",
            **(headers or {}),
        }
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, url, body=body, headers=hdrs)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()  # the server closed an idle keep-alive connection
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, response.headers, data

    def login(self, username: str) -> None:
        origin = f"https://127.0.0.1:{self.port}"
        status, _h, page = self.request("GET", "/accounts/login/")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if found is None:
            raise SystemExit(f"the sign-in page answered HTTP {status} (see gunicorn.log)")
        token = found.group(1).decode()
        body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD})
        status, headers, _ = self.request(
            "POST",
            "/accounts/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": f"{origin}/accounts/login/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"sign-in of {username} failed: HTTP {status}")


@dataclass
class Figures:
    times: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: set = field(default_factory=set)


def load(browsers: list[Browser], urls: list[str], seconds: float) -> Figures:
    """Every browser requests the page (taking turns over `urls`) until `seconds` pass;
    with `seconds` 0, each browser once."""
    figures = Figures()
    lock = threading.Lock()
    start_line = threading.Barrier(len(browsers))

    def client(k: int, browser: Browser):
        times, errors, statuses = [], 0, set()
        start_line.wait()
        end = time.perf_counter() + seconds
        i = k
        while i == k or time.perf_counter() < end:
            url = urls[i % len(urls)]
            i += len(browsers)
            t0 = time.perf_counter()
            try:
                status, _h, _body = browser.request("GET", url)
            except OSError:
                status = 0
            times.append(time.perf_counter() - t0)
            if status != 200:
                errors += 1
                statuses.add(status)
        with lock:
            figures.times += times
            figures.errors += errors
            figures.statuses |= statuses

    threads = [threading.Thread(target=client, args=(k, b)) for k, b in enumerate(browsers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return figures


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


# --- wrk: the load from a C client ----------------------------------------------------

WRK_LUA = r"""
local cookies = {%(cookies)s}
local urls = {%(urls)s}
local counter = 0
local threads = {}
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
function init(args)
  n = 0
  bad = 0
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end  -- a redirect to the sign-in page is an error
end
function request()
  -- Connection `id` takes turns over the URLs as the Python clients do.
  local url = urls[((id - 1) + n * #cookies) %% #urls + 1]
  n = n + 1
  return wrk.format("GET", url, {["Cookie"] = cookies[id], ["X-Forwarded-Proto"] = "https",
                                 ["Accept-Language"] = "zh-Hant"})
end
function done(summary, latency, requests)
  local e = summary.errors
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("bad") end
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\n", summary.requests, bad,
           e.connect + e.read + e.write + e.timeout, latency:percentile(50),
           latency:percentile(95)))
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load_wrk(browsers: list[Browser], urls: list[str], seconds: float, tmp: Path):
    """`wrk`: one thread and one keep-alive connection per client, each with its own
    session cookie, requesting back to back for `seconds`; one `wrk` per server, all at
    once, each with the clients signed in on that server. Returns (requests, errors,
    median ms, p95 ms): the medians and p95s are the highest of the servers' (with the
    clients split evenly they differ little; the higher is the honest figure)."""
    by_port: dict[int, list[Browser]] = {}
    for b in browsers:
        by_port.setdefault(b.port, []).append(b)
    procs = []
    for port, group in by_port.items():
        script = tmp / f"pages-{port}.lua"
        cookies = ["; ".join(f"{k}={v}" for k, v in b.cookies.items()) for b in group]
        script.write_text(
            WRK_LUA
            % {
                "cookies": ", ".join(map(lua_string, cookies)),
                "urls": ", ".join(map(lua_string, urls)),
            }
        )
        n = len(group)
        procs.append(
            subprocess.Popen(
                ["wrk", "-t", str(n), "-c", str(n), "-d", f"{max(1, round(seconds))}s"]
                + ["--timeout", "10s", "-s", str(script), f"http://127.0.0.1:{port}{urls[0]}"],
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    requests = errors = 0
    med = high = 0.0
    for proc in procs:
        out, _ = proc.communicate()
        found = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.M)
        if proc.returncode or found is None:
            raise SystemExit(f"wrk printed no result:\n{out}")
        r, status_errors, socket_errors, m, h = map(int, found.groups())
        requests += r
        errors += status_errors + socket_errors
        med, high = max(med, m / 1000), max(high, h / 1000)
    return requests, errors, med, high


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def server_pids(procs) -> list[int]:
    """Every gunicorn's master and workers (the process groups the bench started)."""
    groups = {proc.pid for proc in procs}
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) in groups:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@contextmanager
def redis_server(tmp: Path):
    """REDIS_URL when set, else a throwaway Debian `redis-server` on a free port."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed (make system-deps-bench)")
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--dir", str(tmp)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    tick = os.sysconf("SC_CLK_TCK")
    return (total - idle) / tick, total / tick


# --- main -----------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="load per page (default 5)")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument(
        "--topology",
        choices=["two", "one"],
        default="two",
        help="two: two gunicorn processes on two ports sharing the database and Redis, "
        "the clients split between them (production's several hosts); one: one gunicorn "
        "with --workers processes and local-memory caches (the former set-up)",
    )
    parser.add_argument("--workers", type=int, default=2, help="with --topology one")
    parser.add_argument(
        "--threads", type=int, default=2, help="threads a gunicorn process (default 2)"
    )
    parser.add_argument(
        "--only", default="", help="pages whose label contains this text (several: comma-separated)"
    )
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk (C, Debian package `wrk`; auto when "
        "installed) or the Python threads",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="leave the server running until Enter is pressed (to profile)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    tmp = Path(tempfile.mkdtemp(prefix="serviceeval-bench-pages-"))
    name = connection.settings_dict["NAME"] if connection.vendor != "sqlite" else None
    with national.throwaway_database(tmp, name=f"{name}_pages" if name else None) as db:
        print(f"database: {connection.vendor} {db['NAME']}")
        start = time.perf_counter()
        data = build(tmp)
        print(f"built the national data set in {time.perf_counter() - start:.1f} s", flush=True)
        wanted = [w.strip().lower() for w in args.only.split(",")]
        page_list = [
            p
            for p in pages(data)
            # The layout page always runs: the CPU bar is relative to it.
            if p.label == LAYOUT_PAGE or any(w in p.label.lower() for w in wanted)
        ]
        queries = count_queries(page_list)
        with contextlib.ExitStack() as stack:
            if args.topology == "two":
                redis = stack.enter_context(redis_server(tmp))
                print(f"topology: two gunicorn processes, one database, Redis at {redis}")
                shape = [(free_port(), 1), (free_port(), 1)]
            else:
                redis = ""
                print(f"topology: one gunicorn with {args.workers} workers, local-memory caches")
                shape = [(free_port(), args.workers)]
            servers = []
            try:
                for port, workers in shape:
                    servers.append(start_server(db, tmp, port, workers, args.threads, redis))
                run(page_list, queries, [port for port, _ in shape], args, servers, tmp)
                if args.keep:
                    input(
                        f"servers on {', '.join(f'http://127.0.0.1:{p}/' for p, _ in shape)} "
                        "(X-Forwarded-Proto: https); Enter stops them"
                    )
            finally:
                for server in servers:
                    stop_server(server)


def run(page_list: list[Page], queries: dict, ports: list[int], args, servers, tmp: Path) -> None:
    roles = {p.role for p in page_list}
    browsers: dict = {}
    start = time.perf_counter()
    for role in sorted(roles, key=str):
        browsers[role] = []
        for k in range(args.clients):
            b = Browser(ports[k % len(ports)])  # the clients split evenly over the servers
            if role is not None:
                b.login(USERS[role][0])
            browsers[role].append(b)
    print(
        f"signed in {args.clients} clients for each of {len(roles)} roles "
        f"in {time.perf_counter() - start:.1f} s"
    )
    print()
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    if args.client == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    print(
        f"gunicorn: {len(servers)} server(s), {args.threads} threads a process (gthread); "
        f"{args.clients} concurrent clients, {args.seconds:g} s a page; load from "
        f"{'wrk (one connection and session per client)' if use_wrk else 'Python threads'}"
    )
    print(
        f"bar: median ≤ {MEDIAN_MS} ms and p95 ≤ {P95_MS} ms, no error, server CPU a request "
        f"≤ {CPU_RATIO:g}× the {LAYOUT_PAGE!r} page's; queries per request must not grow with "
        "the data (tests/*/test_*queries*)"
    )
    print(
        f"load average before the load: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        "(other processes on the machine slow the figures down)"
    )
    print("one ms: one request alone, in-process (median of 5); cold ms: the server's first;")
    print(
        f"cpu ms: the server's CPU time a request under load; CPU %: of the machine's "
        f"{os.cpu_count()} cores during the load: the server (gunicorn), the load generator, "
        "everything else (other processes on the machine)"
    )
    header = (
        f"{'page':<40} {'queries':>7} {'one ms':>7} {'cold ms':>8} {'requests':>8} "
        f"{'errors':>6} {'median':>7} {'p95':>7} {'cpu ms':>6} {'× lay':>5} {'server':>6} "
        f"{'client':>6} "
        f"{'other':>6}  result"
    )
    print(header)
    print("-" * len(header))
    passed = 0
    layout_cpu = None
    pids = server_pids(servers)
    for page in page_list:
        clients = browsers[page.role]
        t0 = time.perf_counter()
        status, _h, _b = clients[0].request("GET", page.urls[0])
        cold = (time.perf_counter() - t0) * 1000
        # Warm-up: each client once (fills both workers' per-process caches).
        load(clients, page.urls, 0.0)
        server0, busy0 = cpu_seconds(pids), machine_busy()
        own0, children0 = time.process_time(), os.times()
        if use_wrk:
            requests, errors, med, high = load_wrk(clients, page.urls, args.seconds, tmp)
            statuses: set = set()
        else:
            figures = load(clients, page.urls, args.seconds)
            requests, errors, statuses = len(figures.times), figures.errors, figures.statuses
            med = statistics.median(figures.times) * 1000
            high = p95(figures.times) * 1000
        children1 = os.times()
        client_cpu = (time.process_time() - own0) + (
            children1.children_user
            + children1.children_system
            - children0.children_user
            - children0.children_system
        )
        server_cpu = cpu_seconds(pids) - server0
        busy1 = machine_busy()
        capacity = busy1[1] - busy0[1]  # CPU seconds the machine had (all cores)
        other = max(0.0, (busy1[0] - busy0[0]) - server_cpu - client_cpu)
        share = [100 * x / capacity if capacity else 0.0 for x in (server_cpu, client_cpu, other)]
        cpu = 1000 * server_cpu / max(1, requests)
        if page.label == LAYOUT_PAGE:
            layout_cpu = cpu
        ratio = cpu / layout_cpu if layout_cpu else float("nan")
        ok = status == 200 and errors == 0 and med <= MEDIAN_MS and high <= P95_MS
        ok = ok and not (ratio > CPU_RATIO)  # unknown (no layout page run): not judged
        passed += ok
        extra = f" (HTTP {sorted(statuses)})" if statuses else (" (errors)" if errors else "")
        n, one = queries.get(page.label, (0, 0.0))
        print(
            f"{page.label:<40} {n:>7} {one:>7.1f} {cold:>8.0f} "
            f"{requests:>8} {errors:>6} {med:>7.1f} {high:>7.1f} "
            f"{cpu:>6.1f} {ratio:>5.1f} "
            f"{share[0]:>5.0f}% {share[1]:>5.0f}% {share[2]:>5.0f}%  "
            f"{'PASS' if ok else 'FAIL'}{extra}",
            flush=True,
        )
    print()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"summary: {passed} of {len(page_list)} pages within the bar "
        f"(median ≤ {MEDIAN_MS} ms, p95 ≤ {P95_MS} ms, CPU ≤ {CPU_RATIO:g}× the layout page, "
        f"{args.clients} clients, {len(servers)} server(s))"
    )


if __name__ == "__main__":
    main()
