"""Load test: 20 admins searching, opening record tabs and saving Details, for 60 seconds.

What it does
    1. Migrates the database named by DATABASE_URL, collects static files into a temporary
       STATIC_ROOT, seeds --learners learners (load-learner-N@bench.example) and --users admins
       (load-admin-N@bench.example) if they are missing.
    2. Starts gunicorn (`python -m gunicorn lms.wsgi -w 2`) on 127.0.0.1 with DEBUG=false,
       the production settings path and Redis if REDIS_URL is set.
    3. Signs every admin in over HTTP (20 sessions), then runs --users threads for --seconds:
       each picks a learner search (?q=), a record tab view (Details, Access, Activity,
       Engagement, Payments, Transcript) or a Details save (GET the form, read version and
       CSRF token, POST a new first name), roughly 30/50/20.
    4. Prints requests/s, p50/p95/p99 per kind, the count of 5xx (must be 0), and checks that
       no save was lost: every save answered 302 is in the audit log exactly once, and each
       learner's first name in the database is the one its newest audit event says.
       Saves refused with "changed since you opened it" are counted apart: that is correct.
    Exit status 1 on any 5xx, transport error or lost save.

How to run (from the repository root, with a database of your own):
    export DATABASE_URL=postgres://lms:lms@127.0.0.1:5432/lms_load
    export REDIS_URL=redis://127.0.0.1:6379/9      # optional: Celery on Redis
    .venv/bin/python bench/load.py                  # 20 admins, 60 s
    .venv/bin/python bench/load.py --seconds 10 --users 4 --learners 200
    .venv/bin/python bench/load.py --base-url http://127.0.0.1:8000   # a server you started

Only 127.0.0.1 is ever contacted. On 2 cores the load generator competes with gunicorn for
CPU: the generator's own CPU time is printed so the numbers can be read with that in mind.
"""

import argparse
import http.client
import itertools
import os
import random
import re
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
TABS = ["details", "access", "activity", "engagement", "payments", "transcript"]
CONFLICT = "changed since you opened it"
ADMIN_PASSWORD = "load-test-password-9"
SEARCHES = ["load", "learner", "bench.example", "ann", "zo", "load-learner-1", "smith"]


class Browser:
    """One admin's keep-alive connection with its cookies (stdlib http.client only)."""

    def __init__(self, base_url, timeout=30):
        parts = urlsplit(base_url)
        if parts.hostname not in ("127.0.0.1", "localhost"):
            raise SystemExit("bench/load.py only talks to 127.0.0.1")
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self.cookies = {}
        self.connection = None

    def _connect(self):
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def request(self, method, path, data=None):
        """(status, body text, headers); reconnects once if the server closed the socket."""
        headers = {"Host": f"{self.host}:{self.port}", "Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
            headers["Origin"] = f"http://{self.host}:{self.port}"
        for attempt in (1, 2):
            if self.connection is None:
                self._connect()
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        if response.headers.get("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        return response.status, text, response.headers

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data):
        return self.request("POST", path, data)

    def close(self):
        if self.connection is not None:
            self.connection.close()


class FormFields(HTMLParser):
    """The submitted fields of every <form> on a page, as a browser would send them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.current = None
        self.select = None
        self.select_first = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.current = {}
            self.forms.append(self.current)
        if self.current is None or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.current[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.current[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select, self.select_first = name, None
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.select_first is None:
                self.select_first = value
            if "selected" in attrs:
                self.current[self.select] = value
        elif tag == "textarea" and name:
            self.textarea = name
            self.current[name] = ""

    def handle_data(self, data):
        if self.textarea and self.current is not None:
            self.current[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            self.current.setdefault(self.select, self.select_first or "")
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.current = None


def form_with(html, field_name):
    parser = FormFields()
    parser.feed(html)
    for form in parser.forms:
        if field_name in form:
            return form
    return None


def csrf_token(html):
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return unescape(match.group(1)) if match else None


def sign_in(browser, email, password):
    status, html, _ = browser.get("/sign_in")
    token = csrf_token(html)
    status, html, headers = browser.post(
        "/sign_in", {"csrfmiddlewaretoken": token, "username": email, "password": password}
    )
    if status != 302:
        raise RuntimeError(f"sign-in as {email} answered {status}")


@dataclass
class Results:
    timings: dict = field(default_factory=lambda: defaultdict(list))
    statuses: dict = field(default_factory=lambda: defaultdict(int))
    errors_5xx: list = field(default_factory=list)
    transport_errors: list = field(default_factory=list)
    saves: list = field(default_factory=list)  # (learner_id, first_name) answered 302
    conflicts: int = 0
    refused_saves: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    elapsed: float = 0.0

    def note(self, kind, seconds, status, path):
        with self.lock:
            self.timings[kind].append(seconds)
            self.statuses[status] += 1
            if status >= 500:
                self.errors_5xx.append((kind, status, path))

    @property
    def requests(self):
        return sum(len(v) for v in self.timings.values())


def _timed(results, kind, call, path, *args):
    start = time.perf_counter()
    status, text, headers = call(path, *args)
    results.note(kind, time.perf_counter() - start, status, path)
    return status, text, headers


def _one_save(browser, results, learner_id, marker):
    path = f"/manage/users/{learner_id}/details/"
    status, html, _ = _timed(results, "save-form", browser.get, path)
    if status != 200:
        return
    data = form_with(html, "version")
    if data is None:
        raise RuntimeError("the Details form has no version field")
    data["first_name"] = marker
    data.setdefault("csrfmiddlewaretoken", csrf_token(html))
    status, html, _ = _timed(results, "save", browser.post, path, data)
    with results.lock:
        if status == 302:
            results.saves.append((learner_id, marker))
        elif CONFLICT in html:
            results.conflicts += 1
        elif status < 500:
            results.refused_saves.append((learner_id, marker, status))


def _admin_loop(base_url, cookies, learner_ids, hot_ids, deadline, results, name, seed):
    rng = random.Random(seed)
    browser = Browser(base_url)
    browser.cookies = dict(cookies)
    counter = itertools.count()
    try:
        while time.monotonic() < deadline:
            roll = rng.random()
            try:
                if roll < 0.3:
                    query = urlencode({"q": rng.choice(SEARCHES)})
                    _timed(results, "search", browser.get, f"/manage/users/learners/?{query}")
                elif roll < 0.8:
                    tab = rng.choice(TABS)
                    learner = rng.choice(learner_ids)
                    _timed(results, f"tab:{tab}", browser.get, f"/manage/users/{learner}/{tab}/")
                else:
                    marker = f"{name}n{next(counter)}"
                    _one_save(browser, results, rng.choice(hot_ids), marker)
            except (OSError, http.client.HTTPException) as error:
                with results.lock:
                    results.transport_errors.append(repr(error))
                browser.close()
                browser.connection = None
    finally:
        browser.close()


def run_load(base_url, *, admins, learner_ids, seconds=60, users=20, hot=50, seed=1):
    """Drive `users` signed-in admins against base_url for `seconds`; returns Results.

    admins: [(email, password)], at least `users` of them; learner_ids: learners to visit;
    saves go to the first `hot` of them so that two admins sometimes save the same record.
    """
    sessions = []
    for email, password in admins[:users]:
        browser = Browser(base_url)
        sign_in(browser, email, password)
        sessions.append(dict(browser.cookies))
        browser.close()
    if len(sessions) < users:
        raise ValueError(f"{users} users need {users} admins, got {len(sessions)}")
    hot_ids = learner_ids[:hot]
    run = secrets.token_hex(3)  # first names written by this run are unique to it
    results = Results()
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    threads = [
        threading.Thread(
            target=_admin_loop,
            args=(
                base_url,
                sessions[n],
                learner_ids,
                hot_ids,
                deadline,
                results,
                f"L{run}u{n}",
                seed + n,
            ),
            daemon=True,
        )
        for n in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    results.elapsed = time.perf_counter() - started
    return results


def lost_saves(results):
    """Acknowledged saves missing from the database or the audit log: [(learner, name, why)]."""
    from users.models import AuditEvent, User

    learner_ids = {learner for learner, _ in results.saves}
    events = defaultdict(list)
    for subject_id, changes, pk in AuditEvent.objects.filter(
        action="user.updated", subject_id__in=learner_ids
    ).values_list("subject_id", "changes", "pk"):
        if "first_name" in (changes or {}):
            events[subject_id].append((pk, changes["first_name"][1]))
    names = dict(User.objects.filter(pk__in=learner_ids).values_list("pk", "first_name"))
    lost = []
    for learner, marker in results.saves:
        found = sum(1 for _, name in events[learner] if name == marker)
        if found != 1:
            lost.append((learner, marker, f"{found} audit events"))
    for learner in learner_ids:
        newest = max(events[learner])[1] if events[learner] else None
        if names.get(learner) != newest:
            lost.append((learner, names.get(learner), f"database has it, newest audit {newest}"))
    return lost


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(results, lost, out=print):
    out(
        f"{results.requests} requests in {results.elapsed:.1f} s: "
        f"{results.requests / max(results.elapsed, 1e-9):.1f} requests/s"
    )
    out(f"{'kind':<18}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    everything = []
    for kind in sorted(results.timings):
        values = results.timings[kind]
        everything += values
        out(
            f"{kind:<18}{len(values):>7}{percentile(values, 0.5) * 1000:>9.1f}"
            f"{percentile(values, 0.95) * 1000:>9.1f}{percentile(values, 0.99) * 1000:>9.1f}"
            f"{max(values) * 1000:>9.1f}"
        )
    if everything:
        out(
            f"{'all':<18}{len(everything):>7}{statistics.median(everything) * 1000:>9.1f}"
            f"{percentile(everything, 0.95) * 1000:>9.1f}"
            f"{percentile(everything, 0.99) * 1000:>9.1f}{max(everything) * 1000:>9.1f}"
        )
    out(f"statuses: {dict(sorted(results.statuses.items()))}")
    out(f"5xx: {len(results.errors_5xx)}  transport errors: {len(results.transport_errors)}")
    for item in results.errors_5xx[:10] + results.transport_errors[:10]:
        out(f"  {item}")
    out(
        f"saves acknowledged (302): {len(results.saves)}; refused as "
        f"'{CONFLICT}': {results.conflicts}; refused otherwise: {len(results.refused_saves)}"
    )
    for item in results.refused_saves[:5]:
        out(f"  refused: {item}")
    out(f"lost saves: {len(lost)}")
    for item in lost[:10]:
        out(f"  lost: {item}")


def failed(results, lost):
    return bool(results.errors_5xx or results.transport_errors or lost)


# Running it by hand against gunicorn.


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(static_root):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings",
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY", "load-test-" + "k" * 50),
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(static_root),
        PYTHONPATH=str(ROOT),
    )
    # As deployed (.env.example) unless set: connections kept between requests.
    env.setdefault("CONN_MAX_AGE", "60")
    return env


def _seed(learners, admins):
    """Missing load learners and admins; returns ([(email, password)], [learner ids])."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from users.models import User
    from users.roles import GROUP_NAMES, Role

    have = set(
        User.objects.filter(email__startswith="load-learner-").values_list("email", flat=True)
    )
    first = ["Ann", "Zoe", "Sam", "Li", "Ravi", "Maria", "Joe", "Ada"]
    last = ["Smith", "Okafor", "Nguyen", "Garcia", "Kowalski", "Haddad", "Berg", "Ito"]
    User.objects.bulk_create(
        [
            User(
                email=f"load-learner-{n}@bench.example",
                first_name=first[n % len(first)],
                last_name=last[n // len(first) % len(last)],
                password=make_password(None),
            )
            for n in range(learners)
            if f"load-learner-{n}@bench.example" not in have
        ],
        batch_size=1000,
    )
    group = Group.objects.get(name=GROUP_NAMES[Role.ADMIN])
    password = make_password(ADMIN_PASSWORD)
    accounts = []
    for n in range(admins):
        email = f"load-admin-{n}@bench.example"
        admin, _ = User.objects.get_or_create(
            email=email, defaults={"first_name": "Load", "last_name": f"Admin {n}"}
        )
        admin.password, admin.is_active = password, True
        admin.save(update_fields=["password", "is_active"])
        admin.groups.add(group)
        accounts.append((email, ADMIN_PASSWORD))
    ids = list(
        User.objects.filter(email__startswith="load-learner-")
        .order_by("pk")
        .values_list("pk", flat=True)[:learners]
    )
    return accounts, ids


def _wait_for(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start listening")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--base-url", help="use a server already running on 127.0.0.1")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database of your own")

    with tempfile.TemporaryDirectory(prefix="lms-load-static-") as static_root:
        env = _server_env(static_root)
        os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY")})
        sys.path.insert(0, str(ROOT))
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)

        import django

        django.setup()
        admins, learner_ids = _seed(args.learners, args.users)
        print(f"{len(learner_ids)} learners, {len(admins)} admins")

        server = None
        base_url = args.base_url
        if base_url is None:
            port = _free_port()
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "lms.wsgi",
                    "-w",
                    str(args.workers),
                    "--threads",
                    str(args.threads),
                    "-b",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
            )
            _wait_for(port, server)
            base_url = f"http://127.0.0.1:{port}"
        try:
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            results = run_load(
                base_url,
                admins=admins,
                learner_ids=learner_ids,
                seconds=args.seconds,
                users=args.users,
            )
            used = resource.getrusage(resource.RUSAGE_SELF)
        finally:
            if server is not None:
                server.terminate()
                server.wait(30)
        lost = lost_saves(results)
        report(results, lost)
        generator = (used.ru_utime - cpu.ru_utime) + (used.ru_stime - cpu.ru_stime)
        print(f"load generator CPU: {generator:.1f} s over {results.elapsed:.1f} s")
        return 1 if failed(results, lost) else 0


if __name__ == "__main__":
    sys.exit(main())
