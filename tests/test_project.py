"""The project's promises to newcomers and to its own architecture."""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_readme_starts_with_the_two_commands():
    head = (ROOT / "README.md").read_text().split("##")[0]
    assert "make demo" in head and "make test" in head


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_domain_never_imports_the_pipeline():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "events").rglob("*.py")
        if re.search(r"^\s*(from|import)\s+ingest\b", path.read_text(), re.MULTILINE)
    ]
    assert offenders == []


def test_no_template_comment_spans_lines():
    # Django's {# #} comments end at the line's end: a second line would be shown to readers.
    broken = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "templates").rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert broken == []


def _compose_command():
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_file_is_valid_and_runs_the_full_stack():
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed to validate the file")
    env = {**os.environ, "DJANGO_SECRET_KEY": "k" * 50}  # compose refuses to start without one
    result = subprocess.run([*command, "config", "--services"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"migrate", "web", "worker", "beat", "postgres", "redis"}


def test_docker_compose_refuses_to_start_without_a_secret_key():
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed to validate the file")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    result = subprocess.run([*command, "config", "--services"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_docker_compose_migrates_before_worker_and_beat_and_bounds_redis():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "condition: service_completed_successfully" in text
    assert "load_curated" in text and "--maxmemory " in text and "--maxmemory-policy volatile-lru" in text
    assert "change-me" not in text


def test_a_warning_is_logged_once_in_debug():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('dailies-once'); "
        "logging.getLogger('ingest').warning('dailies-once')"
    )
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert (result.stdout + result.stderr).count("dailies-once") == 2, result.stderr
