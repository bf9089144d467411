"""Verification suites shipped with homeshift; run them with ``homeshift verify -i INVENTORY``
or ``pytest --hosts=winrm://...,asa://... --homeshift-expect expect.yml SUITES_DIR``.
"""
