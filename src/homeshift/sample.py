"""Deterministic, realistic sample rosters for the lab, demos, tests and benchmarks.

Same ``(agents, seed)`` gives the same roster byte for byte. Teams have 8-25 agents, belong to
one site and one shift, and a share of agents has no signed declaration yet.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta

from homeshift.roster import Agent, Shift


@dataclass(frozen=True, slots=True)
class SampleSite:
    name: str
    code: str
    offices: tuple[str, ...]
    weight: int


SITES: tuple[SampleSite, ...] = (
    SampleSite("Berlin", "BER", ("BER-1", "BER-2"), 5),
    SampleSite("Leipzig", "LEJ", ("LEJ-1",), 3),
    SampleSite("Hamburg", "HAM", ("HAM-1", "HAM-2"), 4),
    SampleSite("Dortmund", "DTM", ("DTM-1",), 2),
    SampleSite("Erfurt", "ERF", ("ERF-1",), 2),
)
SHIFTS: tuple[Shift, ...] = (
    Shift(time(6, 0), time(14, 30)),
    Shift(time(8, 0), time(16, 30)),
    Shift(time(12, 0), time(20, 30)),
    Shift(time(14, 0), time(22, 30)),
)
_FIRST = (
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hannah",
    "Ilias",
    "Jana",
    "Karim",
    "Lena",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rana",
    "Sofia",
    "Tim",
    "Umut",
    "Vera",
    "Yusuf",
    "Zoe",
    "Lukas",
    "Marie",
    "Jonas",
    "Leonie",
    "Elias",
    "Lea",
    "Finn",
)
_LAST = (
    "Becker",
    "Schmidt",
    "Müller",
    "Weber",
    "Wagner",
    "Fischer",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Yilmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
)


def generate_agents(
    agents: int,
    seed: int = 7,
    *,
    missing_consent_share: float = 0.06,
    today: date = date(2026, 11, 30),
) -> Iterator[Agent]:
    """Yield ``agents`` sample agents, deterministic for a given seed.

    ``missing_consent_share`` of agents have no consent date, clustered a little by team the way
    paper forms go missing in practice (a few teams are late, most are complete).
    """
    if agents < 0:
        raise ValueError("agents must be >= 0")
    rng = random.Random(seed)
    weights = [s.weight for s in SITES]
    made = 0
    team_no = 0
    while made < agents:
        team_no += 1
        site = rng.choices(SITES, weights)[0]
        office = site.offices[team_no % len(site.offices)]
        shift = SHIFTS[rng.randrange(len(SHIFTS))]
        remaining = agents - made
        # never leave a tail team smaller than 8 (only a roster under 8 agents has one)
        size = remaining if remaining <= 25 else rng.randint(8, min(25, remaining - 8))
        team = f"{site.code}-T{team_no:04d}"
        lead = f"lead.{team.lower()}@example.com"
        late_team = rng.random() < missing_consent_share * 3
        for _ in range(size):
            made += 1
            missing = rng.random() < (0.3 if late_team else missing_consent_share / 4)
            consent = None if missing else today - timedelta(days=rng.randint(0, 20))
            yield Agent(
                employee_id=f"E{made:07d}",
                name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                team=team,
                team_lead_email=lead,
                site=site.name,
                operating_office=office,
                desktop=f"{site.code}-D{made:07d}",
                shift=shift,
                consent_date=consent,
            )
