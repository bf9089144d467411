"""The lab: device emulators (ASA over SSH, Windows desktops over WinRM) on loopback.

One lab process (``python -m homeshift.lab.daemon DIR``) hosts every emulated device. Components
plug in through :mod:`homeshift.lab.component`; ``homeshift lab up/status/down`` drive it through
:mod:`homeshift.lab.runtime`, and tests and the CLI talk to it through :mod:`homeshift.lab.control`.
"""
