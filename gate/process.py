"""The one place that starts subprocesses: allow-listed environment, timeouts, error capture."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess  # nosec B404 - this module is the gate's single, audited subprocess wrapper
import sysconfig
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from gate.guards.scrub import scrub_error

# Variables a scanner may see. Everything else (tokens, cloud credentials, CI secrets) is dropped.
ALLOWED_ENV = frozenset(
    {
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM",
        "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ",
        "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
        "http_proxy", "https_proxy", "no_proxy", "all_proxy",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
        "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CERT", "PIP_TRUSTED_HOST", "PIP_FIND_LINKS",
        "PIP_CONFIG_FILE", "PIP_CONSTRAINT", "UV_INDEX_URL",
        "VIRTUAL_ENV", "PYTHONIOENCODING",
    }
)

STDERR_QUOTE_LIMIT = 160


@dataclass(frozen=True)
class ProcessResult:
    """What a finished (or failed to start) subprocess left behind."""

    argv: tuple[str, ...]
    returncode: int | None
    stdout: bytes
    stderr: bytes
    duration: float
    timed_out: bool = False
    not_found: bool = False
    start_error: str = ""

    @property
    def killed_by_signal(self) -> int | None:
        """The signal number that ended the process, if one did."""
        if self.returncode is not None and self.returncode < 0:
            return -self.returncode
        return None

    def failure(self, ok_codes: Sequence[int]) -> str | None:
        """Why this run is not a normal run of the tool, or None when it is."""
        if self.not_found:
            return f"executable not found: {self.argv[0]!r}"
        if self.start_error:
            return f"could not start: {self.start_error}"
        if self.timed_out:
            return f"timed out after {self.duration:.1f}s"
        sig = self.killed_by_signal
        if sig is not None:
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = str(sig)
            return f"killed by signal {name}"
        if self.returncode not in ok_codes:
            line = first_stderr_line(self.stderr)
            detail = f": {line}" if line else ""
            return f"exited with code {self.returncode}{detail}"
        return None


def first_stderr_line(stderr: bytes) -> str:
    """At most one short, printable line of a tool's stderr (the last non-empty one)."""
    text = stderr.decode("utf-8", "replace")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return ""
    line = "".join(ch if ch.isprintable() else "?" for ch in scrub_line(lines[-1]))
    if len(line) > STDERR_QUOTE_LIMIT:
        line = line[: STDERR_QUOTE_LIMIT - 1] + "…"
    return line


def scrub_line(text: str) -> str:
    """One line of tool stderr without credentials (``gate.guards.scrub.scrub_error``)."""
    return scrub_error(text)


# Folders whose executables must never run: the scanned trees (set by ``distrust``).
_UNTRUSTED: list[Path] = []
# Passed to every git a scanner starts (semgrep runs git itself): the same safe settings
# as gate.tree.git's own calls, through the environment git reads ``-c`` options from.
GIT_CONFIG_PARAMETERS = ("'core.fsmonitor'='false' 'core.hooksPath'='{hooks}' "
                         "'core.pager'='cat' 'core.sshCommand'='false' 'credential.helper'='' "
                         "'protocol.allow'='never'")


def distrust(folder: Path) -> None:
    """Never run an executable from ``folder`` (the scanned tree), nor hand it on PATH."""
    resolved = folder.resolve()
    if resolved not in _UNTRUSTED:
        _UNTRUSTED.append(resolved)


def safe_path_entries() -> list[str]:
    """PATH as every subprocess gets it: the gate's own environment first, then the
    absolute entries of PATH outside every scanned tree (an empty or relative entry, which
    means the current folder, is dropped)."""
    import sys

    out = [str(Path(sys.executable).parent)]
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if not entry or not os.path.isabs(entry):
            continue
        try:
            resolved = Path(entry).resolve()
        except (OSError, RuntimeError):
            continue
        if any(resolved == u or u in resolved.parents for u in _UNTRUSTED):
            continue
        if entry not in out:
            out.append(entry)
    return out


def scanner_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The allow-listed environment handed to every scanner subprocess."""
    env = {key: value for key, value in os.environ.items() if key in ALLOWED_ENV}
    env["PATH"] = os.pathsep.join(safe_path_entries())
    env.setdefault("LC_ALL", "C.UTF-8")
    env["PYTHONIOENCODING"] = "utf-8"
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_CONFIG_PARAMETERS"] = GIT_CONFIG_PARAMETERS.format(hooks=empty_hooks_dir())
    if extra:
        env.update(extra)
    return env


_HOOKS: list[str] = []


def empty_hooks_dir() -> str:
    """An empty folder (made once per process) for ``core.hooksPath``: no hook can run."""
    if not _HOOKS:
        import atexit
        import tempfile

        folder = tempfile.mkdtemp(prefix="gate-no-hooks-")
        atexit.register(shutil.rmtree, folder, True)
        _HOOKS.append(folder)
    return _HOOKS[0]


def command_for(scanner: str, default: Sequence[str]) -> list[str]:
    """The command line for a tool: ``GATE_<NAME>_COMMAND`` if set, else ``default``."""
    variable = "GATE_" + scanner.upper().replace("-", "_") + "_COMMAND"
    override = os.environ.get(variable, "").strip()
    if override:
        return shlex.split(override)
    return list(default)


def tool_path(name: str) -> str:
    """The absolute path of tool ``name``: beside the running interpreter first, then on
    the safe PATH (``safe_path_entries``); the bare name when it is nowhere (it then fails
    to start, as "executable not found")."""
    found = shutil.which(name, path=os.pathsep.join(safe_path_entries()))
    return os.path.abspath(found) if found else name


def packaged_binary(package: str, name: str) -> str | None:
    """The binary a wheel ships as ``<package>/bin/<name>`` in the running interpreter's own
    site-packages (found from ``sys.prefix``, never from ``sys.path``, which may hold the
    scanned folder), or None. Starting it directly skips the wheel's Python launcher script
    (an interpreter start, about 20 ms, for every run)."""
    for key in ("purelib", "platlib"):
        path = Path(sysconfig.get_paths()[key]) / package / "bin" / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path.absolute())
    return None


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
) -> ProcessResult:
    """Run ``argv`` (never through a shell) and capture everything; never raises for tool trouble.

    On timeout the whole process group is killed, so a tool's children do not linger.
    """
    args = tuple(str(a) for a in argv)
    started = time.monotonic()
    if not args:
        return ProcessResult(args, None, b"", b"", 0.0, start_error="empty command")
    try:
        proc = subprocess.Popen(  # nosec B603 - argv list, no shell, environment allow-listed
            args,
            cwd=str(cwd) if cwd else None,
            env=dict(env) if env is not None else scanner_env(),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        return ProcessResult(args, None, b"", b"", time.monotonic() - started, not_found=True)
    except OSError as exc:
        return ProcessResult(
            args, None, b"", b"", time.monotonic() - started, start_error=exc.strerror or str(exc)
        )
    try:
        out, err = proc.communicate(input=stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        return ProcessResult(
            args, proc.returncode, out, err, time.monotonic() - started, timed_out=True
        )
    return ProcessResult(args, proc.returncode, out, err, time.monotonic() - started)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        proc.kill()

def package_version(distribution: str, scanner: str) -> str:
    """The installed version of a scanner's package, or ``unknown`` when replaced by a command."""
    if command_for(scanner, ["default"]) != ["default"]:
        return "unknown"
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"
