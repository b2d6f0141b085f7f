"""The skills and slash commands generated from the cycle definitions, and governed documents
(`haios work doc`): every section a gate checks is in a new document, and no gate passes on it
until it is filled."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest
import yaml

from haios.cli import agentfiles
from haios.configload import load_config
from haios.contracts import GateContext
from haios.project import Project
from haios.runtime import build
from haios.work import documents

PACKAGED = load_config(Project("/nonexistent"))
CYCLES = PACKAGED.cycle_definitions.cycles
GATES = PACKAGED.gates.gates
# commands other branches add; once they exist in the parser they are checked like the rest
PENDING: set[tuple[str, ...]] = set()  # commands a generated file may name before they exist
SKILL_KEYS = {"name", "description"}
COMMAND_KEYS = {"description", "argument-hint", "allowed-tools", "disable-model-invocation"}


def frontmatter(text: str) -> tuple[dict[str, Any], str]:
    match = re.match(r"---\n(.*?)\n---\n(.*)\Z", text, re.S)
    assert match, text[:200]
    meta = yaml.safe_load(match.group(1))
    assert isinstance(meta, dict)
    return meta, match.group(2)


def files() -> dict[str, str]:
    nodes = {"implementation": "implement"}
    return agentfiles.generated(CYCLES, GATES, nodes)


# -- skills ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cycle_id", list(CYCLES))
def test_every_cycle_has_a_skill_with_its_phases_prompts_and_commands(cycle_id: str) -> None:
    text = files()[f"skills/{cycle_id}/SKILL.md"]
    meta, body = frontmatter(text)
    assert set(meta) == SKILL_KEYS
    assert meta["name"] == cycle_id and re.fullmatch(r"[a-z0-9-]{1,64}", meta["name"])
    assert meta["description"].startswith(CYCLES[cycle_id].description)
    assert f"in the {cycle_id} cycle" in meta["description"]
    assert len(meta["description"]) < 300  # always in the model's context: keep it short
    for number, (name, phase) in enumerate(CYCLES[cycle_id].phases.items(), 1):
        assert f"\n## {number}. {name}\n\n{phase.prompt.replace('{id}', 'ID')}\n" in body
        for gate in (*phase.entry, *phase.exit):
            assert f"- `{gate}`: {GATES[gate].description}\n" in body
    for step in ("start ID " + cycle_id, "resume ID", "check ID", "advance ID"):
        assert f"`haios cycle {step}`" in body
    assert agentfiles.state_of(text) == "unchanged"


def test_a_skill_says_what_follows_and_where_it_is_bound() -> None:
    text = files()["skills/implementation/SKILL.md"]
    assert "It is the cycle of lifecycle node `implement`." in text
    assert "continue with the close-work cycle: `haios cycle start ID close-work`." in text
    assert "the cycle is complete." in files()["skills/checkpoint/SKILL.md"]


def test_a_skill_name_is_made_valid_for_claude_code() -> None:
    assert agentfiles.skill_name("Release_Train 2") == "release-train-2"
    assert agentfiles.skill_path("Release_Train 2") == "skills/release-train-2/SKILL.md"


# -- slash commands -------------------------------------------------------------------------------

NAMES = ["new-work", "new-plan", "new-investigation", "implement", "ready", "next", "close"]


def test_the_slash_commands_of_the_issue_exist() -> None:
    assert set(agentfiles.COMMANDS) == {*NAMES, "checkpoint", "coldstart", "status"}


@pytest.mark.parametrize("name", list(agentfiles.COMMANDS))
def test_a_slash_command_has_claude_code_frontmatter(name: str) -> None:
    meta, body = frontmatter(files()[f"commands/{name}.md"])
    assert set(meta) <= COMMAND_KEYS and {"description", "allowed-tools"} <= set(meta)
    assert meta["disable-model-invocation"] is True  # they act: the user decides when
    hint = meta.get("argument-hint")
    assert ("$ARGUMENTS" in body) == bool(hint), name
    for tool in meta["allowed-tools"].split(", "):
        assert re.fullmatch(r"Bash\((haios|git) [a-z -]+:\*\)", tool), tool
    for inline in re.findall(r"!`([^`]*)`", body):  # run when the command expands
        assert any(
            f"Bash({inline}:*)".startswith(t[:-3]) for t in meta["allowed-tools"].split(", ")
        )


def _haios_commands(text: str) -> list[tuple[str, ...]]:
    """The command words of every `haios …` span in a text, up to the first argument."""
    found = []
    for span in re.findall(r"`(haios [^`]*)`", text):
        words: list[str] = []
        for word in shlex.split(re.sub(r"<[^>]*>|\$ARGUMENTS", "ID", span))[1:]:
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            words.append(word)
        found.append(tuple(words))
    return found


def command_paths() -> set[tuple[str, ...]]:
    """Every command path of the CLI: ("work",), ("work", "new"), …"""
    from tests.test_docs import COMMANDS as ALL

    return {path for path, _, _ in ALL}


def check_commands(source: str, text: str) -> None:
    """Every `haios …` command named in `text` exists, unless it is still PENDING."""
    paths = command_paths()
    for words in _haios_commands(text):
        longest = max(
            (words[:n] for n in range(1, len(words) + 1) if words[:n] in paths), key=len, default=()
        )
        pending = any(words[: len(p)] == p for p in PENDING)
        if pending and not longest:
            continue
        leaf = not any(len(p) > len(longest) and p[: len(longest)] == longest for p in paths)
        assert longest and (leaf or len(words) == len(longest)), (
            f"{source}: `haios {' '.join(words)}` is no haios command"
        )


@pytest.mark.parametrize("path", sorted(files()))
def test_every_haios_command_a_generated_file_names_exists(path: str) -> None:
    check_commands(path, files()[path])


def test_the_command_check_catches_a_missing_command() -> None:
    with pytest.raises(AssertionError, match="`haios work bogus` is no haios command"):
        check_commands("x", "run `haios work bogus ID`")
    check_commands("x", "run `haios memory search words` and `haios work new <title> --json`")


# -- markers --------------------------------------------------------------------------------------


def test_a_marker_tells_unchanged_edited_and_foreign_files_apart() -> None:
    text = agentfiles.marked("hello\n")
    assert agentfiles.state_of(text) == "unchanged"
    assert agentfiles.state_of(text.replace("hello", "hullo")) == "edited"
    assert agentfiles.state_of(text + "my note\n") == "edited"
    assert agentfiles.state_of("hello\n") == "foreign"


# -- governed documents ---------------------------------------------------------------------------


def test_every_document_a_gate_reads_has_a_packaged_template_with_its_sections() -> None:
    required = documents.required(GATES)
    assert set(required) == {"PLAN.md", "INVESTIGATION.md", "OBSERVATIONS.md"}
    for document, sections in required.items():
        text = documents.template(Project("/nonexistent"), documents.kind_of(document))
        assert text is not None, document
        for section in sections:
            assert f"\n## {section}\n" in text, f"{document}: no ## {section}"


def ok(result: Any) -> Any:
    assert result.code == 0, result.err + result.out
    return result


@pytest.mark.parametrize("kind", ["plan", "investigation", "observations"])
def test_work_doc_creates_the_document_whose_gates_then_fail_until_it_is_filled(
    haios: Any, project: Project, kind: str
) -> None:
    ok(haios("work", "new", "Add a thing"))
    doc = ok(haios("work", "doc", "WORK-001", kind, "--json")).json()
    name = f"{kind.upper()}.md"
    folder = project.root / "docs/work/active/WORK-001"
    assert doc == {"id": "WORK-001", "document": name, "path": str(folder / name), "created": True}
    text = (folder / name).read_text()
    assert text.startswith(f"# WORK-001: {kind} for Add a thing\n")
    for section in documents.required(GATES)[name]:
        assert f"\n## {section}\n" in text
    gates = [g for g, gate in GATES.items() if gate.document == name]
    with build(project) as rt:
        work = rt.work.get("WORK-001")
        for gate in gates:
            result = rt.governance.check_gate(gate, GateContext(work, str(project.root)))
            assert not result.passed or result.skipped, (gate, result.reason)
    assert name in ok(haios("work", "show", "1")).out  # listed among its documents


def test_work_doc_leaves_an_existing_document_alone(haios: Any, project: Project) -> None:
    ok(haios("work", "new", "Add a thing"))
    plan = project.root / "docs/work/active/WORK-001/PLAN.md"
    plan.write_text("# mine\n")
    out = ok(haios("work", "doc", "1", "plan")).out
    assert out == f"WORK-001: PLAN.md already exists; left as it is\n  {plan}\n"
    assert plan.read_text() == "# mine\n"


def test_work_doc_refuses_an_unknown_kind(haios: Any, project: Project) -> None:
    ok(haios("work", "new", "Add a thing"))
    result = haios("work", "doc", "1", "design")
    assert result.code == 2 and result.out == ""
    assert result.err == (
        "haios: error: unknown document 'design'; "
        "documents that gates check: investigation, observations, plan\n"
    )


def test_a_project_gate_on_a_new_document_makes_it_creatable(haios: Any, project: Project) -> None:
    (project.config_dir / "gates.yaml").write_text(
        "gates:\n  risks_listed:\n    kind: section_filled\n    document: DESIGN.md\n"
        "    section: Risks\n"
    )
    ok(haios("work", "new", "Add a thing"))
    ok(haios("work", "doc", "1", "design"))
    text = (project.root / "docs/work/active/WORK-001/DESIGN.md").read_text()
    assert text == (
        "# WORK-001: design for Add a thing\n\n## Risks\n\n"
        "<!-- required: a gate checks that this is filled -->\n"
    )


def test_a_project_template_is_used_and_completed(haios: Any, project: Project) -> None:
    (project.config_dir / "documents").mkdir()
    (project.config_dir / "documents" / "plan.md").write_text("# Plan of $id\n\n## Steps\n")
    ok(haios("work", "new", "Add a thing"))
    ok(haios("work", "doc", "1", "plan"))
    text = (project.root / "docs/work/active/WORK-001/PLAN.md").read_text()
    assert text == (
        "# Plan of WORK-001\n\n## Steps\n\n## Approach\n\n"
        "<!-- required: a gate checks that this is filled -->\n\n## Review\n\n"
        "<!-- required: a gate checks that this is filled -->\n"
    )
