"""lms.logging: a request id on every log line, JSON lines, and the id carried into Celery."""

import io
import json
import logging
import logging.config
import queue

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.http import HttpResponse
from django.test import RequestFactory

from lms import logging as lms_logging

GOOD_ID = "4f2a9c1e-proxy-1234"


def log_lines(log_format):
    """A logger wired like the LOGGING setting, and the stream it writes to."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(lms_logging.RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(lms_logging.JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(lms_logging.TEXT_FORMAT))
    logger = logging.getLogger(f"tests.deploy.{log_format}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def middleware_with(view):
    return lms_logging.request_id(view)


class TestRequestIdMiddleware:
    def test_a_well_formed_incoming_id_is_kept_and_echoed(self):
        seen = []

        def view(request):
            seen.append((request.request_id, lms_logging.current_request_id()))
            return HttpResponse("ok")

        response = middleware_with(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID=GOOD_ID))
        assert response["X-Request-ID"] == GOOD_ID
        assert seen == [(GOOD_ID, GOOD_ID)]
        assert lms_logging.current_request_id() == ""  # nothing leaks past the request

    @pytest.mark.parametrize(
        "incoming",
        [
            "",
            "short",
            "x" * 129,
            "has space in it",
            "new\nline-injection",
            "<script>alert</script>",
        ],
    )
    def test_a_missing_or_malformed_id_is_replaced(self, incoming):
        response = middleware_with(lambda request: HttpResponse())(
            RequestFactory().get("/", HTTP_X_REQUEST_ID=incoming)
        )
        made = response["X-Request-ID"]
        assert made != incoming and len(made) == 32 and int(made, 16) >= 0

    def test_each_request_gets_its_own_id(self):
        view = middleware_with(lambda request: HttpResponse())
        ids = {view(RequestFactory().get("/"))["X-Request-ID"] for _ in range(5)}
        assert len(ids) == 5

    def test_in_the_real_stack_every_page_answers_with_an_id(self, client, settings, db):
        settings.MIDDLEWARE = ["lms.logging.request_id", *settings.MIDDLEWARE]
        response = client.get("/sign_in", HTTP_X_REQUEST_ID=GOOD_ID)
        assert response.status_code == 200 and response["X-Request-ID"] == GOOD_ID
        assert len(client.get("/manage/")["X-Request-ID"]) == 32  # a redirect has one too


class TestFormats:
    def test_json_lines_carry_the_request_id_and_extras(self):
        logger, stream = log_lines("json")

        def view(request):
            logger.info("Imported %s rows\nsecond line", 3, extra={"rows": 3})
            return HttpResponse()

        middleware_with(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID=GOOD_ID))
        [line] = stream.getvalue().splitlines()
        entry = json.loads(line)
        assert entry["message"] == "Imported 3 rows\nsecond line"
        assert entry["request_id"] == GOOD_ID and entry["rows"] == 3
        assert entry["level"] == "INFO" and entry["logger"] == "tests.deploy.json"
        assert entry["time"].endswith("+00:00")

    def test_json_exceptions_stay_on_one_line(self):
        logger, stream = log_lines("json")
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("Failed")
        [line] = stream.getvalue().splitlines()
        entry = json.loads(line)
        assert entry["request_id"] is None
        assert "ValueError: boom" in entry["exception"]

    def test_text_lines_show_the_request_id(self):
        logger, stream = log_lines("text")
        middleware_with(lambda request: logger.warning("hello") or HttpResponse())(
            RequestFactory().get("/", HTTP_X_REQUEST_ID=GOOD_ID)
        )
        logger.warning("outside")
        first, second = stream.getvalue().splitlines()
        assert f"WARNING tests.deploy.text [{GOOD_ID}] hello" in first
        assert "[-] outside" in second

    @pytest.mark.parametrize("log_format", ["json", "text"])
    def test_the_logging_setting_is_valid(self, log_format):
        root = logging.getLogger()
        saved = root.handlers[:], root.level
        logging.config.dictConfig(lms_logging.logging_config(log_format, "INFO"))
        handler = root.handlers[0]
        root.handlers[:], root.level = saved
        assert isinstance(handler.filters[0], lms_logging.RequestIdFilter)
        assert isinstance(handler.formatter, lms_logging.JsonFormatter) == (log_format == "json")

    def test_an_unknown_format_is_refused(self):
        with pytest.raises(ValueError, match="LOG_FORMAT must be one of text, json"):
            lms_logging.logging_config("xml")


@pytest.fixture(scope="module")
def worker_app():
    """A Celery app on an in-memory broker with a real worker thread (its own context)."""
    lms_logging.connect_celery_signals()
    app = Celery("tests_deploy_logging", broker="memory://", backend="cache+memory://")
    app.conf.task_always_eager = False
    seen = queue.Queue()

    @app.task(name="tests.deploy.record_request_id")
    def record_request_id():
        seen.put(lms_logging.current_request_id())

    app.loader.import_module("celery.contrib.testing.tasks")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app, record_request_id, seen


class TestCelery:
    def test_a_task_sent_during_a_request_runs_under_its_id(self, worker_app):
        _, task, seen = worker_app

        def view(request):
            task.delay()
            return HttpResponse()

        middleware_with(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID=GOOD_ID))
        assert seen.get(timeout=20) == GOOD_ID

    def test_a_task_sent_outside_a_request_gets_its_own_id(self, worker_app):
        _, task, seen = worker_app
        result = task.delay()
        assert seen.get(timeout=20) == f"task-{result.id}"

    def test_the_worker_does_not_keep_the_previous_tasks_id(self, worker_app):
        _, task, seen = worker_app
        for request_id in ("first-request-0001", "second-request-0002"):
            middleware_with(lambda request: task.delay() and HttpResponse())(
                RequestFactory().get("/", HTTP_X_REQUEST_ID=request_id)
            )
            assert seen.get(timeout=20) == request_id

    def test_eager_tasks_keep_the_request_id(self):
        lms_logging.connect_celery_signals()
        app = Celery("tests_deploy_eager")
        app.conf.task_always_eager = True
        seen = []

        @app.task
        def record():
            seen.append(lms_logging.current_request_id())

        def view(request):
            record.delay()
            seen.append(lms_logging.current_request_id())
            return HttpResponse()

        middleware_with(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID=GOOD_ID))
        assert seen == [GOOD_ID, GOOD_ID]
