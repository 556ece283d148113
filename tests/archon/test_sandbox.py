from __future__ import annotations

import os
import time
from pathlib import Path

from archon.sandbox import arun_python, run_python, run_unit_tests

SOLUTION = "def add(a, b):\n    return a + b\n"


def test_right_solution_passes() -> None:
    result = run_python(SOLUTION + "assert add(2, 3) == 5\nprint('ok')")
    assert result.passed and result.status == "passed"
    assert result.stdout.strip() == "ok"


def test_wrong_solution_fails() -> None:
    result = run_python("def add(a, b):\n    return a - b\nassert add(2, 3) == 5")
    assert not result.passed and result.status == "failed"
    assert "AssertionError" in result.stderr


def test_infinite_loop_times_out() -> None:
    start = time.monotonic()
    result = run_python("while True:\n    pass", timeout_s=1.5)
    assert result.status == "timeout" and not result.passed
    assert time.monotonic() - start < 8


def test_writing_outside_the_temp_dir_is_blocked(tmp_path: Path) -> None:
    target = tmp_path / "escaped.txt"
    result = run_python(f"open({str(target)!r}, 'w').write('x')")
    assert not result.passed
    assert not target.exists()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    result = run_python(f"import os\nos.remove({str(victim)!r})")
    assert not result.passed and victim.read_text() == "keep me"


def test_writing_inside_the_temp_dir_works_and_is_removed() -> None:
    result = run_python(
        "import os\nopen('out.txt', 'w').write('hello')\nprint(os.getcwd())\n"
        "print(open('out.txt').read())"
    )
    assert result.passed
    cwd, content = result.stdout.split()
    assert content == "hello"
    assert not Path(cwd).exists()


def test_socket_is_blocked() -> None:
    result = run_python(
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
        "s.settimeout(2)\ns.connect(('1.1.1.1', 80))"
    )
    assert not result.passed


def test_subprocess_is_blocked(tmp_path: Path) -> None:
    target = tmp_path / "shell.txt"
    result = run_python(f"import os\nos.system('touch {target}')\nassert False")
    assert not target.exists()
    assert not result.passed


def test_fork_bomb_is_contained() -> None:
    start = time.monotonic()
    code = (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    result = run_python(code, timeout_s=3, max_processes=32)
    assert not result.passed
    assert time.monotonic() - start < 3 + 10
    assert run_python("print(1)").passed  # the machine is still usable


def test_huge_allocation_is_contained() -> None:
    result = run_python("x = bytearray(16 * 1024 ** 3)\nprint(len(x))", memory_mb=512)
    assert not result.passed
    assert result.status in ("failed", "error")


def test_exit_and_signals_do_not_hurt_the_parent() -> None:
    assert run_python("import os\nos._exit(0)").passed
    assert run_python("import os\nos._exit(3)").returncode == 3
    result = run_python("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")
    assert not result.passed
    result = run_python("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    assert result.status == "error"
    assert os.getpid() > 0  # still here


async def test_async_twin() -> None:
    result = await arun_python(SOLUTION + "assert add(1, 1) == 2")
    assert result.passed


def test_run_unit_tests() -> None:
    tests = [
        "assert add(1, 2) == 3",
        "add(2, 2) == 4",
        "assert add(1, 1) == 3",
        "assert undefined_name(1)",
        "this is not python",
        "while True: pass",
        "assert add(0, 0) == 0",
    ]
    verdicts = run_unit_tests(SOLUTION, tests, timeout_s=15, per_test_timeout_s=1)
    assert verdicts == [True, True, False, False, False, False, True]


def test_run_unit_tests_without_a_verdict_is_all_failed() -> None:
    assert run_unit_tests("import os\nos._exit(0)", ["assert True", "True"]) == [False, False]
    assert run_unit_tests("raise SystemExit(0)", ["assert True"]) == [False]
    assert run_unit_tests("while True: pass", ["assert True"], timeout_s=1) == [False]
    assert run_unit_tests(SOLUTION, []) == []
