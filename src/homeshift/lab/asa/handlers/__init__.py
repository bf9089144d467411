"""Per-mode command handlers; importing this package registers them with the session."""

from homeshift.lab.asa.handlers import config_mode, exec_mode, submodes

__all__ = ["config_mode", "exec_mode", "submodes"]
