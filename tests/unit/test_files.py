"""Generated paths never leave the output folder; writes are atomic and idempotent."""

from __future__ import annotations

import os

import pytest
from autodevos.agents.files import FileSet, UnsafePathError, check_relpath, write_files


@pytest.mark.parametrize(
    "path",
    ["/etc/passwd", "../x.ts", "a/../../x", "C:/win.ts", "a\\b.ts", "", "   ", "x\x00y", "con.ts", "src/NUL",
     "a/" + "x" * 200, "/".join(["d"] * 130), ".git/config", "a/b /c", "bad|name.ts", "trailing."],
)
def test_unsafe_paths_are_refused(path):
    with pytest.raises(UnsafePathError):
        check_relpath(path)


def test_safe_paths_are_normalised():
    assert check_relpath("backend/src/app.ts") == "backend/src/app.ts"
    assert check_relpath("frontend//src/App.tsx") == "frontend/src/App.tsx"


def test_case_colliding_paths_are_refused():
    with pytest.raises(UnsafePathError, match="differ only in case"):
        FileSet({"src/App.tsx": "a", "src/app.tsx": "b"})


def test_symlink_leading_outside_is_refused(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    os.symlink(outside, out / "link")
    with pytest.raises(UnsafePathError, match="outside"):
        write_files(out, {"link/evil.txt": "x"})
    assert not (outside / "evil.txt").exists()


def test_nothing_is_written_when_one_path_is_bad(tmp_path):
    with pytest.raises(UnsafePathError):
        write_files(tmp_path, {"good.txt": "ok", "../bad.txt": "no"})
    assert not (tmp_path / "good.txt").exists()


def test_write_is_idempotent_and_leaves_no_temp_files(tmp_path):
    files = {"a/b.txt": "one\n", "c.txt": "two\n"}
    assert sorted(write_files(tmp_path, files)) == ["a/b.txt", "c.txt"]
    assert write_files(tmp_path, files) == []
    assert write_files(tmp_path, {"c.txt": "three\n"}) == ["c.txt"]
    assert (tmp_path / "c.txt").read_text() == "three\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b.txt", "c.txt"]


def test_temp_files_a_kill_left_are_removed_and_others_kept(tmp_path):
    from autodevos.agents.files import clean_temps

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / ".app.ts.k2j4h5g6.tmp").write_text("half a file")  # ours, cut short
    (tmp_path / "src" / ".app.ts.mine.tmp").write_text("the user's")  # not our pattern
    clean_temps(tmp_path, ["src/app.ts", "missing/dir/x.ts"])
    assert sorted(p.name for p in (tmp_path / "src").iterdir()) == [".app.ts.mine.tmp"]


def test_written_files_are_ordinary_files_not_private(tmp_path):
    write_files(tmp_path, {"a.txt": "x"})
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    (tmp_path / "a.txt").chmod(0o755)
    write_files(tmp_path, {"a.txt": "y"})
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o755  # a changed file keeps its mode
