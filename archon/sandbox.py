"""Run untrusted Python (model-written code) in a subprocess that cannot hurt the caller.

Used by the ``humaneval`` benchmark and by the unit-test evaluator's execute mode.

What the child gets, layer by layer:

* **Process.** ``python -I -B`` in a new session (its own process group), working in a fresh
  temporary directory that is deleted afterwards. A wall-clock timeout kills the whole
  process group; so does normal exit, so no grandchild outlives the call.
* **Resource limits** (``setrlimit`` in the child before the code runs): address space
  (``memory_mb``), CPU seconds, file size, no core dumps, and a process count
  (``max_processes``).
* **Identity (when the parent runs as root).** The kernel ignores ``RLIMIT_NPROC`` for root, so
  the child switches to a fresh, unused uid for the run. The process limit then applies (fork
  bombs stop at ``max_processes``), the kernel refuses writes anywhere that is not
  world-writable, and the child cannot signal the parent. It keeps only the capability to
  *read* files (``CAP_DAC_READ_SEARCH``) so it can import the standard library wherever Python
  is installed. After the run every process of that uid is killed, including any that left the
  process group with ``setsid``. When not root, the uid stays the same and the limits below are
  the only protection.
* **Network.** The child enters a new, empty network namespace (``unshare(CLONE_NEWNET)``)
  when it has the privilege. Whether or not that works, an audit hook refuses to create
  non-Unix sockets.
* **Audit hook** (``sys.addaudithook``, installed before the code runs, inherited by
  ``os.fork`` children): refuses opening files for writing, removing, renaming, ``chmod`` and
  similar outside the temporary directory; starting programs (``subprocess``, ``os.system``,
  ``exec*``, ``posix_spawn``); signalling other processes; loading native code with
  ``ctypes``.

What is *not* contained: audit hooks are a tripwire, not a security boundary; code that
reaches C-level memory writes (e.g. through a pre-existing extension module) could disable
them. The child can read any file the parent can read (including secrets), though without
network it can only report them through its own output. Without root there is no uid switch,
so a fork bomb is contained only by ``RLIMIT_NPROC`` (which counts all of the user's
processes), the process-group kill and the timeout. For hostile code use a container or VM.

Example:
    >>> run_python("assert 1 + 1 == 2").passed
    True
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from archon.errors import SandboxError

__all__ = ["SandboxResult", "arun_python", "arun_unit_tests", "run_python", "run_unit_tests"]

logger = logging.getLogger(__name__)

SandboxStatus = Literal["passed", "failed", "timeout", "error"]

_MAX_OUTPUT_BYTES = 1 << 20
_FILE_SIZE_LIMIT = 64 << 20
# Fresh uids are drawn from this range; nothing on a normal system uses it.
_UID_RANGE = (1_500_000_000, 1_600_000_000)


@dataclass(frozen=True)
class SandboxResult:
    """Outcome of one sandboxed run.

    Attributes:
        passed: the program exited with status 0 within the timeout.
        status: ``passed``; ``failed`` (non-zero exit, e.g. an assertion or MemoryError);
            ``timeout``; ``error`` (killed by a signal, e.g. a limit was hit at C level).
        stdout, stderr: the program's output, at most 1 MiB each.
        returncode: the exit status (negative: killed by that signal).
        duration_s: wall-clock time of the run.
    """

    passed: bool
    status: SandboxStatus
    stdout: str
    stderr: str
    returncode: int | None
    duration_s: float


# Runs inside the child before the candidate code. Must only use the standard library.
_RUNNER = r"""
import ctypes, json, os, resource, sys

cfg = json.loads(sys.argv[1])
root = os.path.realpath(cfg["root"])

def _limit(kind, value):
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):
        pass

_limit(resource.RLIMIT_AS, cfg["memory_mb"] << 20)
_limit(resource.RLIMIT_CPU, cfg["cpu_s"])
_limit(resource.RLIMIT_FSIZE, cfg["fsize"])
_limit(resource.RLIMIT_CORE, 0)
_limit(resource.RLIMIT_NPROC, cfg["nproc"])

try:
    _libc = ctypes.CDLL(None, use_errno=True)
    _libc.unshare(0x40000000)  # CLONE_NEWNET; fails harmlessly without privilege
except Exception:
    _libc = None

if cfg["uid"] is not None and os.geteuid() == 0 and _libc is not None:
    class _Hdr(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
    class _Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]
    try:
        _libc.prctl(8, 1, 0, 0, 0)  # PR_SET_KEEPCAPS
        os.setgroups([])
        os.setgid(cfg["uid"])
        os.setuid(cfg["uid"])
        _caps = (_Data * 2)()
        _caps[0].effective = _caps[0].permitted = 1 << 2  # CAP_DAC_READ_SEARCH only
        _libc.capset(ctypes.byref(_Hdr(0x20080522, 0)), _caps)
        _libc.prctl(8, 0, 0, 0, 0)
    except OSError:
        pass

with open(cfg["code"], encoding="utf-8") as f:
    _source = f.read()

def _inside(path):
    if isinstance(path, int):
        return True
    try:
        p = os.path.realpath(os.fsdecode(path))
    except Exception:
        return False
    return p == root or p.startswith(root + os.sep)

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PATH_EVENTS = {"os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.truncate",
                "os.utime", "shutil.rmtree", "os.chflags", "os.lchflags", "os.setxattr",
                "os.removexattr"}
_TWO_PATH_EVENTS = {"os.rename", "os.link", "os.symlink"}
_BLOCKED = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
            "pty.spawn", "os.startfile", "ctypes.dlopen", "ctypes.dlsym",
            "socket.getaddrinfo", "socket.gethostbyname", "os.forkpty"}
_AF_UNIX = 1

def _hook(event, args):
    if event == "open":
        path, mode, flags = args
        writing = (mode is not None and any(c in mode for c in "wax+")) or (
            mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS)
        if writing and path is not None and not _inside(path):
            raise PermissionError(f"sandbox: writing outside the work directory is blocked: {path!r}")
    elif event in _PATH_EVENTS:
        if args and not _inside(args[0]):
            raise PermissionError(f"sandbox: {event} outside the work directory is blocked")
    elif event in _TWO_PATH_EVENTS:
        if not (_inside(args[0]) and _inside(args[1])):
            raise PermissionError(f"sandbox: {event} outside the work directory is blocked")
    elif event in _BLOCKED:
        raise PermissionError(f"sandbox: {event} is blocked")
    elif event == "socket.__new__":
        if args[1] != _AF_UNIX:
            raise PermissionError("sandbox: network access is blocked")
    elif event in ("os.kill", "os.killpg"):
        if args[0] not in (os.getpid(), 0):
            raise PermissionError("sandbox: signalling other processes is blocked")

sys.addaudithook(_hook)
del cfg, _libc
sys.argv = ["candidate.py"]
exec(compile(_source, "candidate.py", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
"""


def run_python(
    code: str,
    *,
    timeout_s: float = 10.0,
    memory_mb: int = 1024,
    max_processes: int = 64,
) -> SandboxResult:
    """Run ``code`` as a Python program in the sandbox and wait for it.

    Args:
        code: the program's source.
        timeout_s: wall-clock limit; on expiry every process of the run is killed.
        memory_mb: address-space limit of each process.
        max_processes: process limit (effective when the uid switch works; see module doc).

    Returns:
        A SandboxResult. The code failing is a result, never an exception.

    Raises:
        SandboxError: the sandbox itself could not start (e.g. no temp dir, no interpreter).
    """
    start = time.monotonic()
    uid = _fresh_uid()
    try:
        base = Path(tempfile.mkdtemp(prefix="archon-sandbox-"))
    except OSError as exc:
        raise SandboxError(f"cannot create a temporary directory for the sandbox: {exc}") from exc
    try:
        work = base / "work"
        work.mkdir()
        os.chmod(base, 0o711)
        if uid is not None:
            os.chown(work, uid, uid)
        else:
            os.chmod(work, 0o700)
        code_path = base / "candidate.py"
        code_path.write_text(code, encoding="utf-8")
        runner = base / "runner.py"
        runner.write_text(_RUNNER, encoding="utf-8")
        cfg = {
            "root": str(work),
            "code": str(code_path),
            "memory_mb": int(memory_mb),
            "cpu_s": int(timeout_s) + 2,
            "fsize": _FILE_SIZE_LIMIT,
            "nproc": int(max_processes),
            "uid": uid,
        }
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(work),
            "TMPDIR": str(work),
        }
        with open(base / "stdout", "w+b") as out, open(base / "stderr", "w+b") as err:
            try:
                proc = subprocess.Popen(
                    [sys.executable, "-I", "-B", str(runner), json.dumps(cfg)],
                    cwd=work,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    env=env,
                    start_new_session=True,
                )
            except OSError as exc:
                raise SandboxError(f"cannot start the sandbox interpreter: {exc}") from exc
            timed_out = False
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                _kill_everything(proc, uid)
            stdout, stderr = _read(out), _read(err)
    finally:
        shutil.rmtree(base, ignore_errors=True)

    rc = proc.returncode
    status: SandboxStatus
    if timed_out:
        status = "timeout"
    elif rc == 0:
        status = "passed"
    elif rc is not None and rc < 0:
        status = "error"
    else:
        status = "failed"
    return SandboxResult(
        passed=status == "passed",
        status=status,
        stdout=stdout,
        stderr=stderr,
        returncode=rc,
        duration_s=time.monotonic() - start,
    )


async def arun_python(
    code: str,
    *,
    timeout_s: float = 10.0,
    memory_mb: int = 1024,
    max_processes: int = 64,
) -> SandboxResult:
    """Async twin of :func:`run_python` (runs it on a worker thread)."""
    return await asyncio.to_thread(
        run_python, code, timeout_s=timeout_s, memory_mb=memory_mb, max_processes=max_processes
    )


_HARNESS = """

def __archon_run_tests(__tests, __per_test_s):
    import json as _json
    import signal as _signal

    def _alarm(signum, frame):
        raise TimeoutError("test timed out")

    _signal.signal(_signal.SIGALRM, _alarm)
    _g = globals()
    _results = []
    for _t in __tests:
        _ok = False
        try:
            _signal.setitimer(_signal.ITIMER_REAL, __per_test_s)
            try:
                _compiled = compile(_t, "<test>", "eval")
            except SyntaxError:
                exec(compile(_t, "<test>", "exec"), _g)
                _ok = True
            else:
                _ok = bool(eval(_compiled, _g))
        except BaseException:
            _ok = False
        finally:
            _signal.setitimer(_signal.ITIMER_REAL, 0)
        _results.append(_ok)
    print()
    print({marker!r} + _json.dumps(_results), flush=True)

__archon_run_tests({tests!r}, {per_test_s!r})
"""


def run_unit_tests(
    code: str,
    tests: list[str],
    *,
    timeout_s: float = 10.0,
    per_test_timeout_s: float = 3.0,
    memory_mb: int = 1024,
) -> list[bool]:
    """Run each test against ``code`` in one sandboxed process; one bool per test.

    A test is a statement (``assert f(1) == 2``: passes when it raises nothing) or an
    expression (``f(1) == 2``: passes when truthy). Each test gets ``per_test_timeout_s``.
    Anything that prevents a verdict (the code itself crashes, exits or hangs, the whole run
    exceeds ``timeout_s``, a test cannot be parsed) counts as a failure, never as a pass.
    """
    if not tests:
        return []
    marker = f"@@ARCHON-TESTS-{secrets.token_hex(8)}@@"
    program = code + _HARNESS.format(
        marker=marker, tests=list(tests), per_test_s=float(per_test_timeout_s)
    )
    result = run_python(program, timeout_s=timeout_s, memory_mb=memory_mb)
    for line in reversed(result.stdout.splitlines()):
        if line.startswith(marker):
            try:
                verdicts = json.loads(line[len(marker) :])
            except json.JSONDecodeError:
                break
            if isinstance(verdicts, list) and len(verdicts) == len(tests):
                return [v is True for v in verdicts]
            break
    logger.debug("unit tests gave no verdict (%s): %s", result.status, result.stderr[-500:])
    return [False] * len(tests)


async def arun_unit_tests(
    code: str,
    tests: list[str],
    *,
    timeout_s: float = 10.0,
    per_test_timeout_s: float = 3.0,
    memory_mb: int = 1024,
) -> list[bool]:
    """Async twin of :func:`run_unit_tests`."""
    return await asyncio.to_thread(
        run_unit_tests,
        code,
        tests,
        timeout_s=timeout_s,
        per_test_timeout_s=per_test_timeout_s,
        memory_mb=memory_mb,
    )


def _fresh_uid() -> int | None:
    if os.name != "posix" or os.geteuid() != 0:
        return None
    return _UID_RANGE[0] + secrets.randbelow(_UID_RANGE[1] - _UID_RANGE[0])


def _kill_everything(proc: subprocess.Popen[bytes], uid: int | None) -> None:
    """Kill the child's process group, then every process running as the run's uid."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if uid is not None:
        # kill(-1) from a process with that uid reaches exactly the run's processes, including
        # ones that left the process group. Stop them first so a fork loop cannot outrun us.
        killer = textwrap.dedent(
            f"""
            import os, signal
            os.setgroups([])
            os.setgid({uid})
            os.setuid({uid})
            for sig in (signal.SIGSTOP, signal.SIGKILL, signal.SIGKILL):
                try:
                    os.kill(-1, sig)
                except OSError:
                    pass
            """
        )
        try:
            subprocess.run(
                [sys.executable, "-I", "-S", "-c", killer],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            logger.warning("sandbox cleanup for uid %s failed: %s", uid, exc)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _read(f: object) -> str:
    f.seek(0)  # type: ignore[attr-defined]
    data: bytes = f.read(_MAX_OUTPUT_BYTES)  # type: ignore[attr-defined]
    return data.decode("utf-8", errors="replace")
