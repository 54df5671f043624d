"""Where verify runs the app's own code: inside bubblewrap (Linux) when it can, else as plain processes.

verify runs the generated app's scripts (npm install, typecheck, lint, test, build, the browser
test) and hadolint. With a model, a model wrote that code, so each step runs in a bubblewrap
sandbox (`bwrap`, Debian package `bubblewrap`):

- the app folder is the only folder it may write, mounted at /app (its host path is not shown);
- the toolchain is read-only: /usr (node, npm, chromium, compilers), the /etc files those need
  (certificates, DNS, users, fonts, chromium's settings; never shadow files or ssh keys), and
  node, chromium or hadolint when they live outside /usr;
- home is an empty tmpfs with a copy of ~/.npmrc that keeps no credentials; /tmp is a tmpfs;
  the user's home, the run database, the AutoDevOS checkout and every other path do not exist;
- the npm cache is mounted read-write during `install` only;
- the network is off (a network namespace of its own: loopback only, so the app's servers and the
  browser test work) for every step but `install`, which shares the host's network for npm. During
  install no package's code runs: `npm install --ignore-scripts`, then `npm rebuild` of the
  install scripts on the allow-list (agents/packages.py);
- `--unshare-all --die-with-parent`: its own pid namespace, so every process a step started dies
  with it (and with autodevos, through PR_SET_PDEATHSIG on bwrap).

The policy (`--sandbox`): `auto` sandboxes when it can; without a sandbox a model-written app is
not verified (one line says how to get one), an offline app is verified with a warning.
`required` never runs unsandboxed; `off` never sandboxes.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

Policy = Literal["auto", "required", "off"]
POLICIES: tuple[str, ...] = get_args(Policy)

APP = "/app"
HOME = "/home/sandbox"
NPM_CACHE = "/npm-cache"
TOOLS = "/opt/autodevos-tools"

# /etc files the toolchain reads: TLS roots, name resolution, users and groups (npm and node ask
# for the current user), time zone, fonts and chromium's launcher settings, the dynamic linker
ETC = ("ssl", "ca-certificates", "ca-certificates.conf", "pki", "crypto-policies", "resolv.conf", "hosts", "host.conf",
       "nsswitch.conf", "gai.conf", "services", "protocols", "passwd", "group", "localtime", "timezone", "alternatives",
       "fonts", "chromium", "chromium.d", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "mime.types", "os-release",
       "debian_version", "npmrc", "machine-id")
TOP = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")

INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)"
MAC_HINT = "run AutoDevOS in a Linux VM or container that has bubblewrap"


def install_hint() -> str:
    """What to do to get a sandbox on this platform."""
    return MAC_HINT if sys.platform == "darwin" else INSTALL_HINT
_NPMRC_SECRET = re.compile(r"(auth|token|password|passwd|secret|credential|^_|^//|^(key|cert|certfile|keyfile)$)", re.I)


class SandboxUnavailable(RuntimeError):
    """verify would run code it must not run outside a sandbox, and there is none."""

    permanent = True  # running verify again without a sandbox cannot help


@dataclass(frozen=True)
class Availability:
    """Whether bubblewrap can make a sandbox on this machine, and why not when it cannot."""

    ok: bool
    why: str = ""


@functools.cache
def available() -> Availability:
    """Try bubblewrap once per process (blocking: call it from a worker thread)."""
    if sys.platform == "darwin":
        return Availability(False, "macOS has no bubblewrap (sandbox-exec is not supported yet)")
    if not sys.platform.startswith("linux"):
        return Availability(False, f"no sandbox for {sys.platform}")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Availability(False, "bubblewrap (bwrap) is not installed")
    try:
        probe = subprocess.run([bwrap, *_base_args(), "--", "true"], capture_output=True, text=True, timeout=20,
                               stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Availability(False, f"bwrap did not start: {exc}")
    if probe.returncode != 0:
        said = (probe.stderr or probe.stdout).strip().splitlines()[-1:] or [f"exit {probe.returncode}"]
        return Availability(False, f"bwrap cannot make a sandbox here ({said[0][:200]}); unprivileged user namespaces may be off")
    return Availability(True)


def decide(policy: str, model_written: bool) -> str:
    """'bwrap' or 'off' or 'none' (no sandbox to be had), or raise SandboxUnavailable with one line
    that says what to do. Blocking (the first call probes bubblewrap)."""
    if policy not in POLICIES:
        raise ValueError(f"--sandbox {policy!r}: use one of {', '.join(POLICIES)}")
    if policy == "off":
        return "off"
    found = available()
    if found.ok:
        return "bwrap"
    if policy == "required" or model_written:
        who = ("--sandbox required: verify runs the app only inside a sandbox" if policy == "required"
               else "a model writes this app, and verify runs model-written code only inside a sandbox")
        raise SandboxUnavailable(f"{who}; {found.why}: {install_hint()}, or pass --sandbox off to verify without one")
    return "none"


def unsandboxed_warning(kind: str) -> str | None:
    """The warning for steps that ran without a sandbox, or None."""
    if kind == "off":
        return "verify ran the app's scripts without a sandbox (--sandbox off): they could read and write your files and use the network"
    if kind == "none":
        return (f"verify ran the app's scripts without a sandbox ({available().why}): they could read and write your files "
                f"and use the network; {install_hint()}")
    return None


def _base_args() -> list[str]:
    """What every sandbox has: fresh namespaces, no capabilities, the read-only toolchain, /proc,
    a minimal /dev, tmpfs /tmp and home."""
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--ro-bind", "/usr", "/usr"]
    for top in TOP:
        path = Path("/", top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/dev/shm", "--tmpfs", "/tmp", "--tmpfs", HOME]
    return args


def _outside_usr(path: str) -> list[Path]:
    """The folders to mount for a tool that is not under /usr (nvm's node, a downloaded chromium):
    its install prefix when it is one (PREFIX/bin/node with PREFIX/lib/node_modules or
    PREFIX/include/node), else the folder of the binary; and the folder on the PATH that links to it."""
    found = []
    real = Path(path).resolve()
    if not real.is_relative_to("/usr"):
        prefix = real.parent.parent
        whole = real.parent.name == "bin" and any((prefix / sub).is_dir() for sub in ("lib/node_modules", "include/node"))
        found.append(prefix if whole else real.parent)
    link = Path(path).absolute().parent
    if not link.is_relative_to("/usr") and not any(link.is_relative_to(f) for f in found):
        found.append(link)
    return found


@dataclass(frozen=True)
class Sandbox:
    """How one verify runs its steps: kind 'bwrap' (inside a sandbox), 'off' (--sandbox off) or
    'none' (no sandbox available). Build with `prepare` (blocking)."""

    kind: str
    app_dir: Path
    """The app folder, resolved (and `given`: as the caller named it)."""
    given: Path | None = None
    base: tuple[str, ...] = ()
    """bwrap's arguments every step shares (read from the filesystem once, by `prepare`)."""
    npm_cache: Path | None = None
    npmrc: Path | None = None
    binds: tuple[tuple[str, str], ...] = ()
    """Extra read-only mounts (host path, path inside): tools outside /usr."""
    renamed: dict[str, str] = field(default_factory=dict)
    """Host path of a tool -> its path inside (hadolint from our venv is mounted under /opt)."""

    @property
    def on(self) -> bool:
        return self.kind == "bwrap"

    def inside(self, path: Path | str) -> str:
        """Where a host path of the app folder (or a tool) is seen inside the sandbox."""
        text = str(path)
        if not self.on:
            return text
        if text in self.renamed:
            return self.renamed[text]
        for root in (self.given, self.app_dir):
            if root is not None and Path(text).is_relative_to(root):
                rel = Path(text).relative_to(root).as_posix()
                return APP if rel == "." else f"{APP}/{rel}"
        raise ValueError(f"{text} is not inside the app folder {self.app_dir}")

    def wrap(self, cmd: list[str], cwd: Path, env: dict[str, str], *, network: bool = False,
             cache: bool = False) -> tuple[list[str], dict[str, str]]:
        """(argv, env) that run cmd in cwd: as is, or inside the sandbox."""
        if not self.on:
            return cmd, env
        args = ["bwrap", *self.base]
        for host, inner in self.binds:
            args += ["--ro-bind", host, inner]
        if self.npmrc is not None:
            args += ["--ro-bind", str(self.npmrc), f"{HOME}/.npmrc"]
        args += ["--bind", str(self.app_dir), APP]
        env = {**env, "HOME": HOME, "TMPDIR": "/tmp", "XDG_CACHE_HOME": f"{HOME}/.cache", "XDG_CONFIG_HOME": f"{HOME}/.config",
               "npm_config_userconfig": f"{HOME}/.npmrc", "npm_config_cache": "/tmp/npm-cache"}
        env.pop("npm_config_globalconfig", None)
        if cache and self.npm_cache is not None:
            args += ["--bind", str(self.npm_cache), NPM_CACHE]
            env["npm_config_cache"] = NPM_CACHE
        if network:
            args.append("--share-net")
        args += ["--remount-ro", "/", "--chdir", self.inside(cwd), "--"]
        return [*args, *(self.renamed.get(c, c) for c in cmd)], env


def prepare(kind: str, app_dir: Path, tools: dict[str, str | None], scratch: Path) -> Sandbox:
    """The sandbox of one verify (blocking): the npm cache, a credential-free ~/.npmrc written under
    scratch, and read-only mounts for the tools outside /usr. tools: name -> host path (node,
    npm, chromium, hadolint)."""
    app = app_dir.resolve()
    if kind != "bwrap":
        return Sandbox(kind, app, app_dir)
    binds: list[tuple[str, str]] = []
    renamed: dict[str, str] = {}
    for name, path in tools.items():
        if not path:
            continue
        if name == "hadolint" and not Path(path).resolve().is_relative_to("/usr"):
            inner = f"{TOOLS}/hadolint"  # a single static binary: mounted alone, its folder stays hidden
            binds.append((str(Path(path).resolve()), inner))
            renamed[path] = inner
            continue
        for folder in _outside_usr(path):
            if (str(folder), str(folder)) not in binds:
                binds.append((str(folder), str(folder)))
    cache = npm_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    scratch.mkdir(parents=True, exist_ok=True)
    npmrc = scratch / "npmrc"
    npmrc.write_text(clean_npmrc(Path.home() / ".npmrc"), encoding="utf-8")
    return Sandbox("bwrap", app, app_dir, tuple(_base_args()), cache, npmrc, tuple(binds), renamed)


def npm_cache_dir() -> Path:
    """npm's download cache: $npm_config_cache, `cache=` in ~/.npmrc, else ~/.npm."""
    given = os.environ.get("npm_config_cache") or os.environ.get("NPM_CONFIG_CACHE")
    if not given:
        for key, value in _npmrc_items(Path.home() / ".npmrc"):
            if key == "cache":
                given = value.replace("${HOME}", str(Path.home())).replace("~", str(Path.home()), 1)
    return Path(given).expanduser() if given else Path.home() / ".npm"


def _npmrc_items(path: Path) -> list[tuple[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    items = []
    for line in lines:
        text = line.strip()
        if not text or text.startswith(("#", ";")) or "=" not in text:
            continue
        key, value = (part.strip() for part in text.split("=", 1))
        items.append((key, value))
    return items


def clean_npmrc(path: Path) -> str:
    """The user's ~/.npmrc without anything that could be a credential (tokens, passwords, client
    keys, per-registry `//host/:` lines) and without settings that point into home."""
    kept = []
    for key, value in _npmrc_items(path):
        if _NPMRC_SECRET.search(key) or key in ("cache", "userconfig", "globalconfig", "prefix") or "${" in value:
            continue
        kept.append(f"{key}={value}")
    return "".join(line + "\n" for line in kept)
