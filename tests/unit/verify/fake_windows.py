"""A fake testinfra host for the Windows modules: decodes the one PowerShell command and answers
each pipeline from a table (pipeline text -> printed JSON); unknown pipelines print nothing."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from types import SimpleNamespace


@dataclass
class FakeWindowsHost:
    answers: dict[str, str] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)

    def run(self, command: str, *args: str) -> SimpleNamespace:
        self.commands.append(command)
        assert command.startswith("powershell.exe -NoProfile -NonInteractive")
        script = base64.b64decode(command.rsplit(" ", 1)[1]).decode("utf-16-le")
        self.scripts.append(script)
        out: list[str] = []
        for line in script.split("\n"):
            if line.startswith("Write-Output '"):
                out.append(line[len("Write-Output '") : -1].replace("''", "'"))
            elif line in self.answers:
                out.append(self.answers[line])
        return SimpleNamespace(rc=0, stdout="\r\n".join(out) + "\r\n", stderr="")
