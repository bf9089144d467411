"""PowerShell single-quoted literals: one function, one table (style P8)."""

from __future__ import annotations

import pytest

from homeshift.windows.quoting import ps_single_quote


@pytest.mark.parametrize(
    ("raw", "quoted"),
    [
        ("", "''"),
        ("plain", "'plain'"),
        ("C:\\Program Files (x86)\\Cisco", "'C:\\Program Files (x86)\\Cisco'"),
        ("O'Brien", "'O''Brien'"),
        ("''", "''''''"),
        ("$env:TEMP", "'$env:TEMP'"),  # no expansion inside single quotes
        ("a`nb", "'a`nb'"),  # backtick is literal too
        ('say "hi"', "'say \"hi\"'"),
        ("curly \u2019 quote", "'curly \u2019\u2019 quote'"),  # PowerShell ends literals on it
        ("left \u2018 quote", "'left \u2018\u2018 quote'"),
        ("line1\nline2", "'line1\nline2'"),
        ("; Remove-Item C:\\ -Recurse", "'; Remove-Item C:\\ -Recurse'"),
    ],
)
def test_single_quoted_literal(raw: str, quoted: str) -> None:
    assert ps_single_quote(raw) == quoted


def test_nul_is_refused() -> None:
    with pytest.raises(ValueError, match="NUL"):
        ps_single_quote("a\x00b")
