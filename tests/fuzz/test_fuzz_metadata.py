"""Mutated metadata packages: ``check_package`` returns the package or a list of problems,
``load_package`` raises only MetadataError — for any damage to any YAML file."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from fuzzing import fuzz, modes
from hypothesis import strategies as st

from weijian.errors import MetadataError, Problem
from weijian.metadata import SMALL_PACKAGE, check_package, load_package

FILES = sorted(p.name for p in SMALL_PACKAGE.glob("*.yaml"))
ORIGINAL = {name: (SMALL_PACKAGE / name).read_text(encoding="utf-8") for name in FILES}
SNIPPETS = ("&a ", "*a", "<<: *a", "!!python/object:os.system ", "!!binary ", "{", "}", "[", "]", "\t", ": ", "- ",
            "'", '"', "#", "|", ">", "?", "%YAML 1.1\n", "---\n", "...\n", "~", "null", "1e999", "-.inf", ".nan",
            "0x1F", "2024-13-45", "yes", "\x00", "\ufeff", "\x85", "YL", "code: ", "parent: YL\n", "  ",
            "schema_version: 99\n", "9" * 5000, "#{", "#{HTN_MANAGED}/(", "中文")


@st.composite
def mutations(draw) -> dict[str, str]:
    """The package's files, one or more damaged: characters replaced, lines dropped or repeated."""
    files = dict(ORIGINAL)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        name = draw(st.sampled_from(FILES))
        text = files[name]
        lines = text.split("\n")
        kind = draw(st.sampled_from(["splice", "drop", "repeat", "swap", "truncate", "garbage"]))
        at = draw(st.integers(min_value=0, max_value=len(text)))
        line = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        if kind == "splice":
            insert = draw(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=12)))
            cut = draw(st.integers(min_value=0, max_value=8))
            text = text[:at] + insert + text[at + cut:]
        elif kind == "drop":
            text = "\n".join(lines[:line] + lines[line + 1:])
        elif kind == "repeat":
            text = "\n".join(lines[:line + 1] + lines[line:])
        elif kind == "swap":
            other = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[line], lines[other] = lines[other], lines[line]
            text = "\n".join(lines)
        elif kind == "truncate":
            text = text[:at]
        else:
            text = draw(st.text(max_size=200))
        files[name] = text
    return files


def check(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory(prefix="wj-fuzz-meta-") as folder:
        for name, text in files.items():
            (Path(folder) / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        package, problems = check_package(folder)
        if package is None:
            assert problems and all(isinstance(p, Problem) and p.message for p in problems)
            for problem in problems:
                problem.describe()
            with pytest.raises(MetadataError):
                load_package(folder)
        else:
            assert problems == []


@pytest.mark.parametrize("examples", modes(ci=200))
def test_mutated_packages_load_or_list_problems(examples):
    fuzz(mutations(), check, examples, seconds=20, megabytes=None)


def billion_laughs(levels: int = 9) -> str:
    """YAML whose last alias stands for 9**levels strings (the "billion laughs" of XML)."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("where", ["levels", "name", "synonyms"])
def test_alias_bombs_are_refused_quickly(where):
    bomb = billion_laughs()
    files = dict(ORIGINAL)
    if where == "levels":
        files["orgunits.yaml"] = bomb + "schema_version: 1\nlevels: *a8\norgunits: *a8\n"
    elif where == "name":
        files["orgunits.yaml"] = bomb + ORIGINAL["orgunits.yaml"].replace("name: 沅陵县", "name: *a8", 1)
    else:
        files["indicators.yaml"] = bomb + ORIGINAL["indicators.yaml"].replace("synonyms: [", "synonyms: [*a8, ", 1)
    assert files != ORIGINAL
    fuzz(st.just(files), check, 1, seconds=10, megabytes=200)
    with tempfile.TemporaryDirectory() as folder:
        for name, text in files.items():
            (Path(folder) / name).write_text(text, encoding="utf-8")
        _, problems = check_package(folder)
    assert problems


def test_files_that_are_not_utf8_are_problems():
    with tempfile.TemporaryDirectory() as folder:
        shutil.copytree(SMALL_PACKAGE, folder, dirs_exist_ok=True)
        (Path(folder) / "rules.yaml").write_bytes(b"\xff\xfe\x00bad")
        _, problems = check_package(folder)
    assert [p.code for p in problems] == ["bad-encoding"]
