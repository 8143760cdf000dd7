"""Where a run's time goes: seconds per stage, added up over batches, so a regression in one
stage shows in `run_stages` and in benchmarks/throughput.py rather than only in the total."""
from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager


class StageClock:
    """Seconds per stage name. `wall` stages are timed in the flow's own process; `cpu` stages are
    processor seconds reported by the analysis workers, summed over them."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.wall[name] += time.perf_counter() - start

    def add_cpu(self, seconds: dict[str, float]) -> None:
        for name, s in seconds.items():
            self.cpu[name] += s

    def rows(self, run_id: str) -> list[dict]:
        return ([{"run_id": run_id, "stage": k, "clock": "flow", "seconds": round(v, 3)} for k, v in self.wall.items()]
                + [{"run_id": run_id, "stage": k, "clock": "workers", "seconds": round(v, 3)} for k, v in self.cpu.items()])
