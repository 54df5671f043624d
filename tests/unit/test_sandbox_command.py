"""The sandbox policy and the bubblewrap command line (no bubblewrap needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from autodevos.agents import sandbox
from autodevos.agents.sandbox import APP, HOME, NPM_CACHE, Availability, SandboxUnavailable


@pytest.fixture
def without_bwrap(monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: Availability(False, "bubblewrap (bwrap) is not installed"))


@pytest.fixture
def with_bwrap(monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: Availability(True))


def test_policy_with_a_sandbox(with_bwrap):
    assert sandbox.decide("auto", True) == sandbox.decide("auto", False) == sandbox.decide("required", False) == "bwrap"
    assert sandbox.decide("off", True) == "off"


def test_policy_without_a_sandbox(without_bwrap):
    assert sandbox.decide("auto", False) == "none"  # our own templates: verified, with a warning
    assert "bubblewrap" in sandbox.unsandboxed_warning("none")
    for policy, model in (("auto", True), ("required", False)):
        with pytest.raises(SandboxUnavailable) as caught:
            sandbox.decide(policy, model)
        line = str(caught.value)
        assert "\n" not in line and "apt-get install bubblewrap" in line and "--sandbox off" in line
    assert sandbox.decide("off", True) == "off"
    with pytest.raises(ValueError, match="use one of auto, required, off"):
        sandbox.decide("maybe", False)


def test_the_command_line_mounts_the_app_alone_and_shares_the_network_only_when_asked(tmp_path, with_bwrap, monkeypatch):
    monkeypatch.setattr(Path, "home", lambda: tmp_path / "home")
    monkeypatch.delenv("npm_config_cache", raising=False)
    app = tmp_path / "app"
    (app / "backend").mkdir(parents=True)
    box = sandbox.prepare("bwrap", app, {"node": "/usr/bin/node"}, tmp_path / "scratch")
    argv, env = box.wrap(["npm", "run", "test"], app / "backend", {"PATH": "/usr/bin", "HOME": str(tmp_path / "home")})
    assert argv[0] == "bwrap" and argv[-4:] == ["--", "npm", "run", "test"]
    assert "--unshare-all" in argv and "--die-with-parent" in argv and "--share-net" not in argv
    assert argv[argv.index("--chdir") + 1] == f"{APP}/backend"
    assert ["--bind", str(app.resolve()), APP] == argv[argv.index(APP) - 2:argv.index(APP) + 1]
    writable = [argv[i + 1] for i, a in enumerate(argv) if a == "--bind"]
    assert writable == [str(app.resolve())]  # the app folder and nothing else
    assert str(tmp_path / "home") not in " ".join(argv) and env["HOME"] == HOME
    assert "/etc/shadow" not in argv and "/etc" not in [argv[i + 1] for i, a in enumerate(argv) if a.startswith("--ro-bind")]
    argv, env = box.wrap(["npm", "install"], app / "backend", {}, network=True, cache=True)
    assert "--share-net" in argv and env["npm_config_cache"] == NPM_CACHE
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--bind"] == [str(app.resolve()), str(tmp_path / "home" / ".npm")]


def test_npmrc_keeps_settings_and_drops_credentials(tmp_path):
    rc = tmp_path / ".npmrc"
    rc.write_text("nodedir=/usr\n//registry.example/:_authToken=abc\n_auth=xyz\nalways-auth=true\nfund=false\n"
                  "cache=/home/me/.npm\nkey=/home/me/client.key\nregistry=${REGISTRY}\n# comment\n")
    assert sandbox.clean_npmrc(rc) == "nodedir=/usr\nfund=false\n"


def test_off_and_none_run_the_command_as_is(tmp_path):
    box = sandbox.prepare("none", tmp_path, {}, tmp_path / "scratch")
    assert box.wrap(["npm", "test"], tmp_path, {"A": "1"}) == (["npm", "test"], {"A": "1"})
    assert box.inside(tmp_path / "x") == str(tmp_path / "x")


def test_on_macos_the_line_says_there_is_no_bubblewrap_and_what_to_do(monkeypatch):
    monkeypatch.setattr(sandbox.sys, "platform", "darwin")
    sandbox.available.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable) as caught:
            sandbox.decide("auto", True)
    finally:
        sandbox.available.cache_clear()
    assert "macOS has no bubblewrap" in str(caught.value) and "Linux VM" in str(caught.value)
    assert "--sandbox off" in str(caught.value) and "apt-get" not in str(caught.value)
