"""Windows desktops: desired-state resources, the PowerShell agent, the WinRM transport.

Layers (style P6-P8): ``resources`` (frozen models -> contract JSON) -> ``agent`` (stdin payload,
result parsing) -> ``transport`` (pywinrm, one shell per run) -> ``provision`` (one agent run per
desktop, retries, typed outcome). See ``docs/desktop-agent-contract.md`` and ``docs/desktops.md``.
"""
