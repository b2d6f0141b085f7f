"""The Bash parser of the shell guards (haios.governance.shell): the flat list of simple commands
it finds in lists, pipelines and nested scripts, their words with quotes removed, redirections,
wrappers unwrapped, heredocs, broken input, and the plain-line shortcut that needs no parser.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haios.governance.shell import MAX_DEPTH, Command, Redirect, Script, is_plain, parse
from haios.governance.shellwords import Word, path_of, unwrap


def names(line: str) -> list[str]:
    return [c.name for c in parse(line).commands]


def argv(line: str, n: int = 0) -> list[str]:
    """The words of the n-th command, as text."""
    return [w.text for w in parse(line).commands[n].words]


def where(line: str) -> list[tuple[str, int, int]]:
    """(name, pipeline, position) of every command."""
    return [(c.name, c.pipeline, c.position) for c in parse(line).commands]


# --- lists, pipelines, nesting -------------------------------------------------------------------


def test_a_plain_command_is_one_command() -> None:
    assert parse("python -m pytest -q") == Script(
        (Command(tuple(map(Word, ["python", "-m", "pytest", "-q"])), (), 0, 0, ""),)
    )


def test_a_list_is_one_pipeline_per_command() -> None:
    assert where("a && b || c; d & e") == [
        ("a", 0, 0),
        ("b", 1, 0),
        ("c", 2, 0),
        ("d", 3, 0),
        ("e", 4, 0),
    ]


def test_a_pipeline_numbers_its_parts() -> None:
    assert where("a | b | c && d | e; f |& g") == [
        ("a", 0, 0), ("b", 0, 1), ("c", 0, 2), ("d", 1, 0), ("e", 1, 1), ("f", 2, 0), ("g", 2, 1),
    ]  # fmt: skip


def test_commands_in_a_piped_group_share_its_position() -> None:
    assert where("{ a; b; } | (c && d) | e") == [
        ("a", 0, 0), ("b", 0, 0), ("c", 0, 1), ("d", 0, 1), ("e", 0, 2),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "line",
    [
        "(x)",
        "{ x; }",
        "if x; then true; fi",
        "if false; then :; elif x; then :; else :; fi",
        "for i in 1 2; do x $i; done",
        "for ((i = 0; i < 3; i++)); do x; done",
        "while x; do :; done",
        "until x; do :; done",
        "case $a in b) x ;; esac",
        "f() { x; }",
        "function f { x; }",
        "! x",
        "echo $(x)",
        "echo `x`",
        'echo "a $(x) b"',
        "diff <(x) >(cat)",
        "a=$(x)",
        "export A=$(x)",
        "echo ${v:-$(x)}",
        "cat <<EOF\n$(x)\nEOF",
        "echo $(echo $(x))",
        "[[ -n $(x) ]]",
        "time x",
    ],
)
def test_commands_nested_anywhere_are_found(line: str) -> None:
    assert "x" in names(line)


def test_a_substitution_links_its_commands_to_the_word() -> None:
    script = parse("echo $(ls x) `pwd` <(curl y) plain")
    echo = script.commands[-1]
    assert [script.commands[i].name for w in echo.words for i in w.inner] == ["ls", "pwd", "curl"]
    assert [w.dynamic for w in echo.words] == [False, True, True, True, False]
    assert {c.pipeline for c in script.commands[:-1]}.isdisjoint({echo.pipeline})


# --- words ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("r''m -rf /", ["rm", "-rf", "/"]),
        ('"rm" -rf /', ["rm", "-rf", "/"]),
        ("\\rm -rf /", ["rm", "-rf", "/"]),
        ("'r'\"m\" x", ["rm", "x"]),
        ("echo 'a  b' \"c  d\"", ["echo", "a  b", "c  d"]),
        ('echo "a \\"q\\" \\$x \\\\ \\n"', ["echo", 'a "q" $x \\ \\n']),
        ("echo a\\ b", ["echo", "a b"]),
        ("echo $'\\x72\\x6d\\t\\'x\\''", ["echo", "rm\t'x'"]),
        ('echo $"hello"', ["echo", "hello"]),
        ("echo a*.txt ~/x {1..3}", ["echo", "a*.txt", "~/x", "{1..3}"]),
        ("echo \\\n  x", ["echo", "x"]),
        ("echo 'it''s'", ["echo", "its"]),
    ],
)
def test_quotes_and_escapes_are_removed(line: str, words: list[str]) -> None:
    assert argv(line) == words


@pytest.mark.parametrize(
    ("line", "dynamic"),
    [
        ("x $HOME", True),
        ("x ${HOME}/a", True),
        ('x "$(pwd)"', True),
        ("x `pwd`", True),
        ("x $((1 + 2))", True),
        ("x a*b", False),
        ("x '$HOME'", False),
        ("x \\$HOME", False),
        ("x ~", False),
    ],
)
def test_a_word_says_whether_it_expands(line: str, dynamic: bool) -> None:
    assert parse(line).commands[-1].words[1].dynamic is dynamic


def test_an_expansion_keeps_its_text() -> None:
    assert argv('rm -rf "$HOME"/ ${X:-/}') == ["rm", "-rf", "$HOME/", "${X:-/}"]


# --- redirections --------------------------------------------------------------------------------


def test_redirections_have_operator_target_and_descriptor() -> None:
    command = parse("cmd < in > out 2>> err &> both 2>&1 >| clobber").commands[0]
    assert [(r.op, r.target.text, r.fd) for r in command.redirects] == [
        ("<", "in", ""),
        (">", "out", ""),
        (">>", "err", "2"),
        ("&>", "both", ""),
        (">&", "1", "2"),
        (">|", "clobber", ""),
    ]


def test_a_redirection_after_a_list_belongs_to_its_last_command() -> None:
    script = parse("a && b > f")
    assert [c.redirects for c in script.commands] == [(), (Redirect(">", Word("f")),)]


def test_a_redirection_of_a_compound_applies_to_every_command_in_it() -> None:
    script = parse("while read l; do echo $l; done < .env")
    assert [c.redirects for c in script.commands] == [(Redirect("<", Word(".env")),)] * 2


def test_words_after_a_redirection_are_arguments() -> None:
    command = parse("grep KEY > out .env").commands[0]
    assert [w.text for w in command.words] == ["grep", "KEY", ".env"]
    assert command.redirects == (Redirect(">", Word("out")),)


def test_a_heredoc_and_a_here_string_are_the_commands_stdin() -> None:
    script = parse("psql <<'SQL'\nDROP TABLE x;\nSQL\ncat <<< \"hi $USER\"")
    assert [c.stdin for c in script.commands] == ["DROP TABLE x;\n", "hi $USER"]
    assert script.commands[0].redirects[0].op == "<<"


def test_echo_or_printf_piped_into_a_command_is_its_stdin() -> None:
    script = parse("echo -n 'DROP TABLE x' | psql && printf '%s' y | cat | sh")
    assert [c.stdin for c in script.commands] == [None, "DROP TABLE x", None, "%s y", None]


# --- wrappers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "words", "wrappers"),
    [
        ("sudo rm -rf /", ["rm", "-rf", "/"], ("sudo",)),
        ("sudo -u root -E -- rm x", ["rm", "x"], ("sudo",)),
        ("sudo -uroot rm x", ["rm", "x"], ("sudo",)),
        ("doas -u root rm x", ["rm", "x"], ("doas",)),
        ("env -i A=1 B=2 rm x", ["rm", "x"], ("env",)),
        ("env -u HOME rm x", ["rm", "x"], ("env",)),
        ("A=1 B='2 3' rm x", ["rm", "x"], ()),
        ("nice -n 10 ionice -c 3 rm x", ["rm", "x"], ("nice", "ionice")),
        ("nice -5 rm x", ["rm", "x"], ("nice",)),
        ("nohup rm x &", ["rm", "x"], ("nohup",)),
        ("time rm x", ["rm", "x"], ("time",)),
        ("timeout -s KILL --kill-after=5 30s rm x", ["rm", "x"], ("timeout",)),
        ("command rm x", ["rm", "x"], ("command",)),
        ("builtin cd x", ["cd", "x"], ("builtin",)),
        ("exec -a name rm x", ["rm", "x"], ("exec",)),
        ("stdbuf -oL -e 0 rm x", ["rm", "x"], ("stdbuf",)),
        ("xargs -0 -n 1 rm -rf", ["rm", "-rf"], ("xargs",)),
        (
            "sudo env A=1 timeout 5 nice xargs rm",
            ["rm"],
            ("sudo", "env", "timeout", "nice", "xargs"),
        ),
        ("command -v rm", ["command", "-v", "rm"], ()),
        ("sudo -l", ["sudo", "-l"], ()),
        ("env", ["env"], ()),
        ("xargs", ["xargs"], ()),
    ],
)
def test_wrappers_are_unwrapped_to_the_real_command(
    line: str, words: list[str], wrappers: tuple[str, ...]
) -> None:
    command = parse(line).commands[-1]
    assert ([w.text for w in command.words], command.wrappers) == (words, wrappers)


def test_unwrap_leaves_other_commands_alone() -> None:
    words = tuple(map(Word, ["git", "push", "-f"]))
    assert unwrap(words) == (words, ())


# --- nested scripts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "bash -c 'rm -rf /'",
        'sh -c "rm -rf /"',
        "bash -lc 'rm -rf /'",
        "bash -ec 'rm -rf /' name arg",
        "zsh -o errexit -c 'rm -rf /'",
        "/bin/dash -c 'rm -rf /'",
        "eval 'rm -rf /'",
        "eval rm -rf /",
        "bash <<EOF\nrm -rf /\nEOF",
        "sh <<< 'rm -rf /'",
        "echo 'rm -rf /' | sh",
        "cat <<'EOF' | bash\nrm -rf /\nEOF",
        "sudo bash -c \"eval 'rm -rf /'\"",
    ],
)
def test_scripts_a_command_runs_are_parsed(line: str) -> None:
    inner = [c for c in parse(line).commands if c.name == "rm"]
    assert [w.text for w in inner[0].words] == ["rm", "-rf", "/"]
    assert inner[0].depth >= 1


def test_a_script_file_is_not_parsed() -> None:
    assert names("bash deploy.sh 'rm -rf /'") == ["bash"]


def test_nesting_stops_at_max_depth() -> None:
    line = "rm -rf /"
    for _ in range(MAX_DEPTH + 1):
        line = "bash -c " + repr(line).replace("\\'", "'\"'\"'")
    script = parse(line)
    assert script.truncated
    assert "rm" not in [c.name for c in script.commands]
    assert len(script.commands) == MAX_DEPTH + 1


# --- where commands run --------------------------------------------------------------------------


def test_cd_moves_the_commands_after_it() -> None:
    script = parse("cd build && make; cd / && rm -rf .; (cd x); ls; cd $D; rm y")
    assert [(c.name, c.cwd) for c in script.commands] == [
        ("cd", ""), ("make", "build"), ("cd", "build"), ("rm", "/"), ("cd", "/"), ("ls", "/"),
        ("cd", "/"), ("rm", None),
    ]  # fmt: skip


def test_cd_in_a_pipeline_part_stays_there() -> None:
    assert [c.cwd for c in parse("cd / | cat; pwd").commands] == ["", "", ""]


@pytest.mark.parametrize(
    ("text", "dynamic", "cwd", "path"),
    [
        ("x", False, "", "/base/x"),
        ("../x", False, "sub", "/base/x"),
        ("/etc//passwd", False, None, "/etc/passwd"),
        ("//", False, "", "/"),
        ("~/.ssh", False, "", "HOME/.ssh"),
        ("$HOME/.ssh", True, "", "HOME/.ssh"),
        ("${HOME}", True, "", "HOME"),
        ("$HOMEDIR", True, "", None),
        ("$HOME/$X", True, "", None),
        ("x", False, None, None),
        ("x", False, "~/p", "HOME/p/x"),
    ],
)
def test_path_of_resolves_a_word(
    text: str, dynamic: bool, cwd: str | None, path: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", "/home/u")
    expected = path.replace("HOME", "/home/u") if path else None
    assert path_of(Word(text, dynamic), cwd, "/base") == expected


# --- broken input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "rm"),
    [
        ("rm -rf / )", ["rm", "-rf", "/"]),
        ("if then rm -rf /", ["rm", "-rf", "/"]),
        ("((; rm -rf /", ["rm", "-rf", "/"]),
        ("sudo rm -rf / ((", ["rm", "-rf", "/"]),
        ("a | ; rm -rf /", ["rm", "-rf", "/"]),
        ("echo `rm -rf /", ["rm", "-rf", "/"]),
    ],
)
def test_a_broken_line_is_analysed_as_far_as_it_goes(line: str, rm: list[str]) -> None:
    script = parse(line)
    assert script.errors
    found = [c for c in script.commands if c.name == "rm"]
    assert [w.text for w in found[0].words] == rm


def test_characters_past_the_bmp_do_not_crash_the_parser() -> None:
    """tree-sitter-bash crashes the process on `{` before some of them: a crashed hook would
    let the call run. The parse runs in a child so that a crash fails this test, not the run."""
    code = (
        "from haios.governance.shell import parse\n"
        "for c in range(0x10000, 0x10FFFF, 997):\n"
        "    s = parse('{' + chr(c) + ' x; rm -rf /')\n"
        "    assert s.commands[-1].words[0].text == 'rm', s\n"
        "    assert chr(c) in s.commands[0].words[0].text, s\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses(line: str) -> None:
    script = parse(line)
    for command in script.commands:
        assert all(0 <= i < len(script.commands) for w in command.words for i in w.inner)


# --- the plain-line shortcut ---------------------------------------------------------------------

_TOKENS = (
    "sudo env FOO=1 A+=2 -rf bash sh -c -lc eval time if export ~ * rm / nice -n 5 timeout xargs "
    "command -v exec = %1 @ a=b=c - -- cd .. for done declare coproc nohup doas -u builtin unset "
    "local select case function then fi while do"
)
_PLAIN_WORDS = st.one_of(
    st.text(alphabet="abcxyzAZ09_./=:,@%+~*-", min_size=1, max_size=6),
    st.sampled_from(_TOKENS.split()),
)
_BLANKS = st.sampled_from([" ", "\t", "  "])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_BLANKS, _PLAIN_WORDS), max_size=7), _BLANKS)
def test_the_plain_shortcut_parses_like_tree_sitter(parts: list[tuple[str, str]], end: str) -> None:
    """Where tree-sitter parses a plain line without error, str.split() gives the same commands.
    tree-sitter-bash gets a few lines wrong that bash runs as split words: it reports an error on
    `9@` and drops a command named `-` before a word with `=`, also behind a wrapper (`eval - 9=`).
    None of them is a real command."""
    line = "".join(itertools.chain.from_iterable(parts)) + end
    words = line.split()
    command = [w for w in words if not re.match(r"[A-Za-z_]\w*\+?=", w)]
    dash_before_equals = any(a == "-" and "=" in b for a, b in itertools.pairwise(words))
    if not is_plain(line) or command[:1] == ["-"] or dash_before_equals:
        return
    slow = parse(line, fast=False)
    if not slow.errors:
        assert parse(line) == slow


@pytest.mark.parametrize(
    ("line", "plain"),
    [
        ("python -m pytest -q tests/test_x.py", True),
        ("FOO=1 make -j4 all", True),
        ("git log --oneline -n 5", True),
        ("ls ~/x *.py", True),
        ("", True),
        ("echo 'x'", False),
        ("a | b", False),
        ("a; b", False),
        ("echo $HOME", False),
        ("a\nb", False),
        ("a\rb", False),
        ("if x", False),
        ("export A=1", False),
        ("9=x y", False),
        ("é", False),
    ],
)
def test_what_is_plain(line: str, plain: bool) -> None:
    assert is_plain(line) is plain


def test_a_plain_command_imports_no_parser_and_another_does() -> None:
    code = (
        "import sys\n"
        "from haios.governance.shell import parse\n"
        "parse(sys.argv[1])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('tree_sitter', 'haios.gov'))))\n"
    )
    run = [sys.executable, "-c", code]
    plain = subprocess.run([*run, "python -m pytest -q"], capture_output=True, text=True)
    parsed = subprocess.run([*run, "git log | head -5"], capture_output=True, text=True)
    mine = ["haios.governance", "haios.governance.shell", "haios.governance.shellwords"]
    assert plain.stdout == f"{mine}\n"
    # both extensions are loaded on their own, without their packages' slow __init__ modules
    tree = ["haios.governance.shelltree", "tree_sitter._binding", "tree_sitter_bash._binding"]
    assert parsed.stdout == f"{sorted(mine + tree)}\n"


def test_no_hook_on_the_bash_path_imports_typing() -> None:
    """typing costs ~3 ms to import: a tenth of a whole hook call."""
    code = (
        "import sys\n"
        "from haios.cli import hook, main\n"
        "from haios.governance import destructive, guards, hooklog, phases, policy, shell\n"
        "shell.parse('git log | head -5 && rm -rf build')\n"
        "print('typing' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert result.stdout == "False\n", result.stderr


_NAMES = st.sampled_from(["a", "b", "cat", "sh", "rm", "x1"])
_PIPELINES = st.lists(
    st.tuples(_NAMES, st.sampled_from(["", " -f", " 'q r'"])), min_size=1, max_size=4
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_PIPELINES, min_size=1, max_size=4),
    st.lists(st.sampled_from([" && ", " || ", "; ", " & ", "\n"]), min_size=4, max_size=4),
    st.sampled_from([" | ", "|", " |& "]),
)
def test_lists_of_pipelines_keep_their_shape(
    pipelines: list[list[tuple[str, str]]], ops: list[str], pipe: str
) -> None:
    """`|` binds tighter than &&, || and ;, whatever tree-sitter-bash makes of `a | b | c && d`."""
    line = ops[0].join(pipe.join(name + arg for name, arg in p) for p in pipelines[:1])
    for op, p in zip(ops[1:], pipelines[1:], strict=False):
        line += op + pipe.join(name + arg for name, arg in p)
    expected = [(name, n, k) for n, p in enumerate(pipelines) for k, (name, _) in enumerate(p)]
    assert where(line) == expected


@given(
    text=st.text(alphabet="ab*./-_", max_size=12),
    pattern=st.text(alphabet="ab*./-_?", max_size=8),
)
def test_glob_match_agrees_with_fnmatchcase(text: str, pattern: str) -> None:
    from fnmatch import fnmatchcase

    from haios.governance.globs import match

    assert match(text, pattern) == fnmatchcase(text, pattern)
