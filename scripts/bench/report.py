"""What the benchmark found for each page, judged against the targets, as a table or JSON."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field

from scripts.bench.pages import Page, Single
from scripts.bench.serve import Load


@dataclass
class Result:
    page: Page
    path: str | None
    single: Single | None = None
    loads: list[Load] = field(default_factory=list)
    ceilings: list[Load] = field(default_factory=list)
    # One connection at a time, nothing queued: the server's own time for the page.
    alone: Load | None = None

    def _sum(self, loads: list[Load], attribute: str) -> float:
        return sum(getattr(load, attribute) for load in loads)

    @property
    def rate(self) -> float | None:
        return statistics.mean(load.rate for load in self.loads) if self.loads else None

    @property
    def ceiling_rate(self) -> float | None:
        return statistics.mean(load.rate for load in self.ceilings) if self.ceilings else None

    @property
    def ratio(self) -> float | None:
        if self.rate is None or not self.ceiling_rate:
            return None
        return self.rate / self.ceiling_rate

    def _per_request_ms(self, loads: list[Load], attribute: str) -> float | None:
        requests = self._sum(loads, "requests")
        return self._sum(loads, attribute) * 1000 / requests if requests else None

    @property
    def cpu_ms(self) -> float | None:
        return self._per_request_ms(self.loads, "cpu_s")

    @property
    def db_ms(self) -> float | None:
        return self._per_request_ms(self.loads, "db_s")

    @property
    def ceiling_cpu_ms(self) -> float | None:
        return self._per_request_ms(self.ceilings, "cpu_s")

    @property
    def p50_ms(self) -> float | None:
        return statistics.median(load.p50_ms for load in self.loads) if self.loads else None

    @property
    def p95_ms(self) -> float | None:
        return statistics.median(load.p95_ms for load in self.loads) if self.loads else None

    @property
    def non2xx(self) -> int | None:
        if not self.loads:
            return None
        return int(self._sum(self.loads, "non2xx") + self._sum(self.loads, "socket_errors"))

    @property
    def wire_bytes_per_request(self) -> float | None:
        requests = self._sum(self.loads, "requests")
        return self._sum(self.loads, "wire_bytes") / requests if requests else None

    def failures(self) -> list[str]:
        """Each target this page misses (none when it was not measured against it)."""
        missed = []
        if self.path is None:
            return ["no such page in the seeded data"]
        if self.single and self.single.status != 200:
            missed.append(f"answered {self.single.status}")
        target_ratio = self.page.ratio_target
        if self.ratio is not None and target_ratio is not None and self.ratio < target_ratio:
            missed.append(f"{self.ratio:.3f}x < {self.page.ratio_target}x ceiling")
        target = self.page.p95_target_ms
        if target is not None and self.alone is not None and self.alone.p95_ms > target:
            missed.append(f"p95 alone {self.alone.p95_ms:.1f} ms > {target:g} ms")
        if self.non2xx:
            missed.append(f"{self.non2xx} non-2xx under load")
        return missed

    def as_dict(self) -> dict:
        return {
            "page": self.page.label,
            "reader": self.page.reader,
            "path": self.path,
            "headers": {
                name: "(not kept)" if name == "Authorization" else value
                for name, value in self.page.headers.items()
            },
            "status": self.single.status if self.single else None,
            "statements": self.single.statements if self.single else None,
            "body_bytes": self.single.wire_bytes if self.single else None,
            "content_encoding": self.single.encoding if self.single else None,
            "requests_per_second": self.rate,
            "ceiling_requests_per_second": self.ceiling_rate,
            "ratio_to_ceiling": self.ratio,
            "ratio_target": self.page.ratio_target,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "p95_target_ms": self.page.p95_target_ms,
            "p95_alone_ms": self.alone.p95_ms if self.alone else None,
            "cpu_ms_per_request": self.cpu_ms,
            "database_ms_per_request": self.db_ms,
            "ceiling_cpu_ms_per_request": self.ceiling_cpu_ms,
            "wire_bytes_per_request": self.wire_bytes_per_request,
            "non2xx": self.non2xx,
            "failures": self.failures(),
            "runs": [asdict(load) for load in self.loads],
            "ceiling_runs": [asdict(load) for load in self.ceilings],
            "alone_run": asdict(self.alone) if self.alone else None,
        }


def _cell(value, form: str, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:{width}{form}}"


def table(results: list[Result], postgres: bool) -> str:
    """The results as a fixed-width table, one page a line, PASS or FAIL at the end."""
    db_head = f" {'DB ms':>6}" if postgres else ""
    lines = [
        f"{'page':<22} {'SQL':>4} {'KB':>6} {'enc':<4} {'req/s':>7} {'x ceil':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'alone':>6} {'CPU ms':>7}{db_head} {'non2xx':>6}  result"
    ]
    for r in results:
        single = r.single
        kb = single.wire_bytes / 1024 if single else None
        encoding = (single.encoding if single else "-")[:4]
        db_cell = f" {_cell(r.db_ms, '.1f', 6)}" if postgres else ""
        missed = r.failures()
        lines.append(
            f"{r.page.label[:22]:<22} {_cell(single and single.statements, 'd', 4)} "
            f"{_cell(kb, '.1f', 6)} {encoding:<4} {_cell(r.rate, '.0f', 7)} "
            f"{_cell(r.ratio, '.3f', 7)} {_cell(r.p50_ms, '.1f', 7)} "
            f"{_cell(r.p95_ms, '.1f', 7)} {_cell(r.alone and r.alone.p95_ms, '.1f', 6)} "
            f"{_cell(r.cpu_ms, '.2f', 7)}{db_cell} "
            f"{_cell(r.non2xx, 'd', 6)}  {'FAIL: ' + '; '.join(missed) if missed else 'PASS'}"
        )
        if r.page.bulk and r.rate:
            lines.append(
                f"{'':<22} ({r.page.bulk} customers an answer: {r.rate * r.page.bulk:,.0f}/s)"
            )
    ceilings = [r for r in results if r.ceiling_rate]
    if ceilings:
        rate = statistics.mean(r.ceiling_rate for r in ceilings)
        cpu = statistics.mean(r.ceiling_cpu_ms for r in ceilings if r.ceiling_cpu_ms)
        lines.append(f"ceiling: {rate:.0f} req/s on average, {cpu:.2f} CPU ms per request")
    return "\n".join(lines)


def write_json(
    path: str, settings: dict, results: list[Result], growth: list[dict] | None = None
) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(
            {
                "settings": settings,
                "pages": [r.as_dict() for r in results],
                "growth": growth or [],
            },
            out,
            indent=2,
            default=str,
        )
