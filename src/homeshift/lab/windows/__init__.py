"""The Windows lab: emulated office desktops speaking WinRM (docs/lab.md, "Windows desktops")."""
