"""The one percentile definition of pytest-ssot: nearest rank.

The terminal (a multi-user check's table), the markdown summary, the dashboard
and the benchmarks all call this function, so the p50 a run prints is the p50
its dashboard shows. Nearest rank always answers with a measured value (never
a point between two samples) and needs no interpolation rule for small counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# the samples the suites record and the dashboard charts: seconds from message sent to the final event
LATENCY_SAMPLES = "agent_completed_seconds"


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0 < q <= 100) by nearest rank: the smallest value with q % at or below it.

    ``percentile([1, 2, 3, 4], 50) == 2``; ``q = 100`` is the maximum; no values is a ValueError.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < q <= 100:
        raise ValueError(f"percentile q must be above 0 and at most 100, got {q!r}")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))  # 1-based
    return ordered[min(max(rank, 1), len(ordered)) - 1]
