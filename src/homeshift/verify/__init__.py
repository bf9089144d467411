"""Verification: testinfra modules for Windows desktops, an ASA backend, suites and results."""
