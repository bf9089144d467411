"""One module per RA-VPN resource: a frozen model, ``parse``, ``render`` and diff helpers."""
