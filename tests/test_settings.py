"""Settings: one object from the environment and a config file, with located errors."""

from __future__ import annotations

import re

import pytest

from repeatly.exceptions import InputError
from repeatly.settings import DEFAULT_DB, Secret, Settings


def test_defaults_without_environment_or_file(tmp_path):
    settings = Settings.load({}, cwd=tmp_path)
    assert (settings.db, settings.memory_limit, settings.threads) == (DEFAULT_DB, "2GB", None)
    assert (settings.temp_dir, settings.smtp_password, settings.debug) == (None, None, False)
    assert settings.source is None


def test_the_environment_overrides_the_config_file(tmp_path):
    (tmp_path / "repeatly.toml").write_text(
        'db = "postgresql://shop@db/ops"\nthreads = 3\nmemory_limit = "6GB"\n'
        'smtp_password = "from-file"\n',
        encoding="utf-8",
    )
    settings = Settings.load({"REPEATLY_THREADS": "5", "REPEATLY_DEBUG": "1"}, cwd=tmp_path)
    assert settings.db == "postgresql://shop@db/ops"  # from the file
    assert settings.memory_limit == "6GB"
    assert settings.threads == 5  # the environment wins
    assert settings.debug is True
    assert settings.smtp_password == Secret("from-file")
    assert settings.source == tmp_path / "repeatly.toml"


def test_a_config_file_named_by_the_environment(tmp_path):
    config = tmp_path / "elsewhere.toml"
    config.write_text('temp_dir = "/var/tmp/spill"\n', encoding="utf-8")
    settings = Settings.load({"REPEATLY_CONFIG": str(config)}, cwd=tmp_path)
    assert settings.temp_dir == "/var/tmp/spill"
    with pytest.raises(InputError, match=r"missing\.toml: the config file cannot be read"):
        Settings.load({"REPEATLY_CONFIG": str(tmp_path / "missing.toml")}, cwd=tmp_path)


def test_secrets_never_show_in_their_settings():
    settings = Settings(smtp_password=Secret("hunter2"), sms_token=Secret("tok-123"))
    shown = repr(settings) + str(settings)
    assert "hunter2" not in shown and "tok-123" not in shown
    assert settings.smtp_password is not None
    assert settings.smtp_password.reveal() == "hunter2"


@pytest.mark.parametrize(
    ("environment", "file", "message"),
    [
        ({"REPEATLY_THREADS": "many"}, "", "REPEATLY_THREADS: expected a whole number"),
        ({"REPEATLY_THREADS": "0"}, "", "threads: expected 1 or more, got 0"),
        ({"REPEATLY_MEMORY_LIMIT": "lots"}, "", 'memory_limit: expected an amount such as "2GB"'),
        ({"REPEATLY_DEBUG": "maybe"}, "", "REPEATLY_DEBUG: expected true or false"),
        ({}, "threads = 2.5\n", "repeatly.toml, threads: expected a whole number"),
        ({}, "colour = 1\n", "repeatly.toml, colour: not a setting; the settings are db, "),
        ({}, "db = [\n", "repeatly.toml: not a TOML file"),
        ({}, 'memory_limit = "1 GiB "\nthreads = -2\n', "repeatly.toml, threads: expected 1 or"),
    ],
)
def test_a_bad_setting_names_where_it_came_from(tmp_path, environment, file, message):
    if file:
        (tmp_path / "repeatly.toml").write_text(file, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        Settings.load(environment, cwd=tmp_path)
