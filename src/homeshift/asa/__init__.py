"""Cisco ASA remote-access VPN headends: models, parse, diff, render, transport, convergence.

Pure core: nothing here imports Ansible. ``config`` aggregates the resources, ``converge`` runs
gather -> diff -> push -> save (or rollback) through the :class:`~homeshift.asa.transport.AsaCli`
seam.
"""
