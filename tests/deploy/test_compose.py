"""docker-compose.yml, Dockerfile and .env.example, checked by parsing (no Docker engine here)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = {"web", "worker", "beat"}
BACKING_SERVICES = {"postgres", "redis", "mailpit"}
# What every app process must get from compose for the settings to work in production.
APP_ENV = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "MEDIA_ROOT",
    "PAYMENT_GATEWAY",
}
ENV_READ = re.compile(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


@pytest.fixture(scope="module")
def compose():
    try:
        import yaml
    except ImportError:
        pytest.fail("PyYAML is missing: add pyyaml to the dev extra in pyproject.toml.")
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def settings_env_vars():
    return set(ENV_READ.findall((ROOT / "lms" / "settings.py").read_text()))


def example_vars():
    return set(EXAMPLE_LINE.findall((ROOT / ".env.example").read_text()))


def test_the_services_are_all_there(services):
    assert set(services) >= APP_SERVICES | BACKING_SERVICES
    assert set(services) - APP_SERVICES - BACKING_SERVICES <= {"migrate"}


def test_app_services_build_the_image_and_run_the_right_process(services):
    for name in APP_SERVICES | {"migrate"}:
        assert services[name]["build"] == "."
        assert services[name]["image"] == "lms-admin:latest"
    assert services["web"]["command"][:2] == ["gunicorn", "lms.wsgi:application"]
    assert {"celery", "--app=lms", "worker"} <= set(services["worker"]["command"])
    assert {"celery", "--app=lms", "beat"} <= set(services["beat"]["command"])
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]


def test_backing_services_use_pinned_images(services):
    images = {name: services[name]["image"] for name in BACKING_SERVICES}
    assert images["postgres"].startswith("postgres:15")
    assert images["redis"].startswith("redis:7")
    assert images["mailpit"].startswith("axllent/mailpit:v")
    assert not any(image.endswith(":latest") for image in images.values())


def test_every_long_running_service_has_a_health_check(services):
    for name in APP_SERVICES | BACKING_SERVICES:
        check = services[name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert check.get("interval") and check.get("retries"), name


def test_start_order_waits_for_health_and_migrations(services):
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["restart"] == "no"


def test_data_lives_in_named_volumes(compose, services):
    declared = set(compose["volumes"])
    assert {"pgdata", "redisdata", "media"} <= declared
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    for name in APP_SERVICES:
        mounts = services[name]["volumes"]
        media = [m for m in mounts if m.startswith("media:")]
        assert media == [f"media:{services[name]['environment']['MEDIA_ROOT']}"], name
    for service in services.values():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            assert source in declared or source.startswith("."), mount


def test_app_services_get_the_settings_environment(services):
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert set(environment) >= APP_ENV, name
        assert services[name]["env_file"] == ".env"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:6379/")
        assert "mailpit:1025" in environment["EMAIL_URL"]
    assert "${SECRET_KEY:?" in services["web"]["environment"]["SECRET_KEY"]


def test_env_example_lists_every_variable_the_settings_read():
    read = settings_env_vars()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "PAYMENT_GATEWAY"} <= read  # the regex works
    missing = read - example_vars()
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_env_example_lists_nothing_that_nobody_reads(services):
    compose_text = (ROOT / "docker-compose.yml").read_text()
    used = settings_env_vars() | {"LOG_FORMAT"}
    stale = {name for name in example_vars() - used if "${" + name not in compose_text}
    assert not stale, f"not read by the settings nor docker-compose.yml: {sorted(stale)}"


def test_the_dockerfile():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.MULTILINE)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in text
    assert "pip install ." in text
    assert "collectstatic --noinput" in text
    users = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    copied = set(re.findall(r"^COPY (\w+) \./", text, re.MULTILINE))
    packages = {path.parent.name for path in ROOT.glob("*/apps.py")} | {"lms"}
    assert packages <= copied, f"COPY these into the image: {sorted(packages - copied)}"


def test_the_deploy_guide_covers_the_operations():
    text = (ROOT / "docs" / "DEPLOY.md").read_text()
    for words in (
        "docker compose up",
        "migrate",
        "create_staff",
        "--scale web=",
        "one beat",
        "LOG_FORMAT=json",
        "pg_dump",
        "Media",
    ):
        assert words in text, words
