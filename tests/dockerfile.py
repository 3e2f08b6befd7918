"""The Dockerfile read as the tests need it: each stage's instructions, and the final
stage's environment, copies and commands, so that the tests check the real ones."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Stage:
    """One `FROM` and what follows it: (instruction, arguments) in order."""

    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, instruction: str) -> list[str]:
        return [rest for name, rest in self.instructions if name == instruction]

    @property
    def workdir(self) -> str:
        return self.arguments("WORKDIR")[-1]

    @property
    def env(self) -> dict[str, str]:
        """Every `ENV K=V` of the stage (values as written, `$PATH` unexpanded)."""
        found: dict[str, str] = {}
        for rest in self.arguments("ENV"):
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                found[name] = value
        return found

    @property
    def copies(self) -> list[tuple[list[str], str]]:
        """The (sources, destination) of each COPY from the build context."""
        found = []
        for rest in self.arguments("COPY"):
            parts = rest.split()
            if not any(part.startswith("--from=") for part in parts):
                found.append((parts[:-1], parts[-1]))
        return found

    def exec_form(self, instruction: str) -> list[str]:
        """The JSON array of the last ENTRYPOINT or CMD."""
        command: list[str] = json.loads(self.arguments(instruction)[-1])
        return command

    @property
    def healthcheck(self) -> list[str]:
        """HEALTHCHECK's command (its exec form after `CMD`)."""
        rest = self.arguments("HEALTHCHECK")[-1]
        command: list[str] = json.loads(rest[rest.index("CMD ") + 4:])
        return command


def stages(path: Path = DOCKERFILE) -> list[Stage]:
    """The Dockerfile's stages, comments dropped and continued lines joined."""
    found: list[Stage] = []
    pending = ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        instruction, _, rest = (pending + stripped).partition(" ")
        pending = ""
        if instruction.upper() == "FROM":
            found.append(Stage(rest.split()[0]))
        else:
            found[-1].instructions.append((instruction.upper(), rest.strip()))
    return found
