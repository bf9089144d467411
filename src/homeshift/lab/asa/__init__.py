"""A stateful Cisco ASA emulator served over real SSH (asyncssh), for the homeshift lab."""
