"""Service-quality figures for a period: on-time share, durations, volumes, backlog, the SKM index.

Reads the case and task-index columns and the conventions (process/CONVENTIONS.md); no name of
a particular diagram. Every figure a page shows is a `Table`, which also feeds the chart, the
accessible table behind it, and the CSV/XLSX downloads.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth import lanes
from ..cases import standard
from ..cases.models import Case, HumanTask, Timer
from ..cases.service import NoProcessDeployed, active_version, form_document, start_info
from ..db import get_session, utcnow
from ..engine import WIB, WorkingCalendar
from ..engine.conventions import CHANNEL, SERVICE, SERVICE_STANDARD, TYPE, summary_fields
from . import figures
from .models import SatisfactionAnswer

ROUND_STANDARD = "ulang"  # serviceStandard="ulang": the standard of a round after a rejection
FILTER_ROLES = (CHANNEL, TYPE, SERVICE)
COLUMN_OF = {CHANNEL: Case.summary_channel, TYPE: Case.summary_type, SERVICE: Case.summary_service}
# Reports read only these columns: no workflow state, no draft (a year is thousands of rows).
CASE_FIELDS = (Case.id, Case.received_at, Case.due_at, Case.answered_at, Case.closed_at,
               Case.summary_channel, Case.summary_type, Case.summary_service,
               Case.outcome_label, Case.status)
TASK_FIELDS = (HumanTask.case_id, HumanTask.name, HumanTask.lane, HumanTask.division,
               HumanTask.status, HumanTask.created_at, HumanTask.completed_at)
CaseRow = Any  # a row of CASE_FIELDS (attribute access like a Case)
TaskRow = Any  # a row of TASK_FIELDS
BACKLOG_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 2), (3, 5), (6, 10), (11, None))


@dataclass(frozen=True)
class Period:
    """A span of days (WIB, both included) and the summary filters chosen."""

    start: date
    end: date
    filters: dict[str, str] = field(default_factory=dict)  # role -> value
    group: str = "week"  # trend by "week" or "month"

    def bounds(self) -> tuple[datetime, datetime]:
        """The UTC-aware moments [start 00:00 WIB, day after end 00:00 WIB)."""
        first = datetime(self.start.year, self.start.month, self.start.day, tzinfo=WIB)
        last = datetime(self.end.year, self.end.month, self.end.day, tzinfo=WIB)
        return first, last + timedelta(days=1)


@dataclass(frozen=True)
class Table:
    """One figure: a title, column headers and rows; CHART says how to draw it (or not)."""

    key: str
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    chart: str | None = None  # "bar", "line" or None
    series: tuple[int, ...] = (1,)  # the columns drawn
    note: str = ""


@dataclass(frozen=True)
class OnTime:
    """How many cases met or breached the standard; the rest are still within it."""

    met: int = 0
    breached: int = 0
    pending: int = 0

    @property
    def share(self) -> float | None:
        """Met / (met + breached), None when nothing is decided yet."""
        decided = self.met + self.breached
        return self.met / decided if decided else None


@dataclass(frozen=True)
class Report:
    """Everything the report page shows."""

    period: Period
    cases: int
    on_time: OnTime
    second_round: OnTime
    satisfaction: figures.SatisfactionIndex
    satisfaction_elements: figures.SatisfactionIndex
    tables: list[Table]
    options: dict[str, tuple[str, dict[str, str]]]  # role -> (title, value -> label)


def calendar() -> WorkingCalendar:
    """The working-day calendar of the process engine (national days, cuti bersama, extra days)."""
    found: WorkingCalendar = current_app.extensions["process_engine"].calendar
    return found


def filter_options() -> dict[str, tuple[str, dict[str, str]]]:
    """Role -> (field title, value -> option label) of the newest start form's summary fields."""
    try:
        version = active_version()
    except NoProcessDeployed:
        return {}
    schema = form_document(version, start_info(version).form.schema_file) or {}
    marked = summary_fields(schema)
    return {role: (marked[role].title, dict(marked[role].options))
            for role in FILTER_ROLES if role in marked}


def responded_at(case: CaseRow) -> datetime | None:
    """When the office responded: the answer reached the complainant, or the case closed."""
    return case.answered_at or case.closed_at


def standard_outcome(case: CaseRow, now: datetime) -> str | None:
    """MET, BREACHED or PENDING for a case with a service standard, else None (cases.standard)."""
    return standard.standard_outcome(case.answered_at, case.due_at, now, case.closed_at)


def count_outcomes(outcomes: Iterable[str | None]) -> OnTime:
    """Tally met/breached/pending outcomes."""
    tally = Counter(o for o in outcomes if o)
    return OnTime(tally[standard.MET], tally[standard.BREACHED], tally[standard.PENDING])


def _in_period(query: Any, period: Period, include_secret: bool) -> Any:
    first, after = period.bounds()
    query = query.where(Case.received_at >= first, Case.received_at < after)
    for role, value in period.filters.items():
        if role in COLUMN_OF and value:
            query = query.where(COLUMN_OF[role] == value)
    return query if include_secret else query.where(Case.secret.is_(False))


def period_cases(period: Period, include_secret: bool = True) -> list[CaseRow]:
    """The cases received in PERIOD that match its filters (the report's columns only)."""
    query = _in_period(select(*CASE_FIELDS), period, include_secret)
    return list(get_session().execute(query.order_by(Case.received_at)).all())


def period_tasks(period: Period, include_secret: bool = True) -> list[TaskRow]:
    """The task-index rows of the cases received in PERIOD (the report's columns only)."""
    query = select(*TASK_FIELDS).join(Case, Case.id == HumanTask.case_id)
    query = _in_period(query, period, include_secret)
    return list(get_session().execute(query.order_by(HumanTask.created_at)).all())


def round_standard_ids() -> set[str]:
    """Element ids any deployed version marks `serviceStandard="ulang"` (second-round timers)."""
    return {e.element_id for conv in lanes.deployed_conventions() for e in conv.elements.values()
            if e.properties.get(SERVICE_STANDARD) == ROUND_STANDARD}


def second_round(case_ids: list[int], now: datetime) -> OnTime:
    """The rounds after a rejection: met when answered before the timer, breached when it fired."""
    ids = round_standard_ids()
    if not case_ids or not ids:
        return OnTime()
    rows = get_session().scalars(
        select(Timer).where(Timer.case_id.in_(case_ids), Timer.bpmn_id.in_(ids)))
    outcomes = []
    for timer in rows:
        if timer.status == "fired":
            outcomes.append(standard.BREACHED)
        elif timer.status == "cancelled":
            outcomes.append(standard.MET)
        else:
            outcomes.append(standard.BREACHED if now > timer.due_at else standard.PENDING)
    return count_outcomes(outcomes)


def bucket(day: date, group: str) -> str:
    """The trend bucket of DAY: ISO week "2026-W05" or month "2026-02"."""
    if group == "month":
        return f"{day.year}-{day.month:02d}"
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def satisfaction(case_ids: list[int]) -> tuple[figures.SatisfactionIndex,
                                               figures.SatisfactionIndex]:
    """(index from single ratings, index from U1..U9) of the answers given on CASE_IDS."""
    if not case_ids:
        return figures.single_rating_index([]), figures.element_index([])
    rows = get_session().scalars(
        select(SatisfactionAnswer).where(SatisfactionAnswer.case_id.in_(case_ids)))
    by_task: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        by_task[row.task_id][row.element] = row.value
    single = [a[figures.SINGLE_RATING] for a in by_task.values() if figures.SINGLE_RATING in a]
    elements = [a for a in by_task.values() if any(k in a for k in figures.SKM_ELEMENTS)]
    return figures.single_rating_index(single), figures.element_index(elements)


def _fmt(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def _share(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def build_report(period: Period, now: datetime | None = None) -> Report:
    """All figures of PERIOD (cases received in it), as of NOW."""
    now = now or utcnow()
    cal = calendar()
    cases = period_cases(period)
    ids = [c.id for c in cases]
    tasks = period_tasks(period)
    options = filter_options()
    public = lanes.public_lanes()
    outcomes = {c.id: standard_outcome(c, now) for c in cases}
    single, elements = satisfaction(ids)
    tables = [
        _trend_table(cases, outcomes, period.group),
        *_duration_tables(cal, tasks, public),
        _office_vs_complainant(cal, cases, tasks, public, now),
        *_volume_tables(cases, tasks, options),
        _backlog_table(cal, period, now),
        _satisfaction_table(single, elements),
    ]
    return Report(period, len(cases), count_outcomes(outcomes.values()), second_round(ids, now),
                  single, elements, tables, options)


def _trend_table(cases: list[CaseRow], outcomes: dict[int, str | None], group: str) -> Table:
    buckets: dict[str, list[str | None]] = defaultdict(list)
    for case in cases:
        buckets[bucket(case.received_at.astimezone(WIB).date(), group)].append(outcomes[case.id])
    rows = []
    for name in sorted(buckets):
        tally = count_outcomes(buckets[name])
        rows.append((name, _share(tally.share), tally.met, tally.breached, tally.pending))
    title = _("Tepat waktu per minggu") if group == "week" else _("Tepat waktu per bulan")
    return Table("tren", title, (_("Periode"), _("Tepat waktu (%)"), _("Memenuhi standar"),
                                 _("Melewati standar"), _("Belum jatuh tempo")),
                 rows, chart="line", series=(1,))


def _duration_tables(cal: WorkingCalendar, tasks: list[TaskRow],
                     public: frozenset[str]) -> list[Table]:
    by_step: dict[tuple[str, str], list[float]] = defaultdict(list)
    by_lane: dict[str, list[float]] = defaultdict(list)
    for task in tasks:
        if task.status != "completed" or task.completed_at is None:
            continue
        days = figures.working_days_elapsed(cal, task.created_at, task.completed_at)
        lane = task.lane or "—"
        by_step[(task.name, lane)].append(days)
        by_lane[lane].append(days)
    headers = (_("Jumlah"), _("Median (hari kerja)"), _("P90 (hari kerja)"))

    def row(label: Any, values: list[float]) -> tuple[Any, ...]:
        return (label, len(values), _fmt(figures.median(values)), _fmt(figures.p90(values)))

    steps = [(*row(name, values), lane, _("ya") if lane in public else "")
             for (name, lane), values in sorted(by_step.items(), key=lambda kv: kv[0][1])]
    step_rows = [(r[0], r[4], r[1], r[2], r[3]) for r in steps]
    note = _("Tahap di lajur publik adalah waktu menunggu pelapor, bukan waktu kantor.")
    return [
        Table("tahap", _("Durasi per tahap"), (_("Tahap"), _("Lajur"), *headers), step_rows,
              chart="bar", series=(3, 4), note=note),
        Table("lajur", _("Durasi per lajur"), (_("Lajur"), *headers),
              [row(lane, values) for lane, values in sorted(by_lane.items())],
              chart="bar", series=(2, 3)),
    ]


def _office_vs_complainant(cal: WorkingCalendar, cases: list[CaseRow], tasks: list[TaskRow],
                           public: frozenset[str], now: datetime) -> Table:
    public_tasks: dict[int, list[TaskRow]] = defaultdict(list)
    for task in tasks:
        if task.lane in public:
            public_tasks[task.case_id].append(task)
    office, complainant = [], []
    for case in cases:
        end = responded_at(case) or now
        total = figures.working_days_elapsed(cal, case.received_at, end)
        # Only the complainant's time before the response: what came after is not the office's.
        before = sum(
            figures.working_days_elapsed(cal, t.created_at, min(t.completed_at or now, end))
            for t in public_tasks[case.id] if t.created_at < end)
        office.append(max(total - before, 0.0))
        complainant.append(before)
    rows = [
        (_("Di kantor"), len(office), _fmt(figures.median(office)), _fmt(figures.p90(office))),
        (_("Menunggu pelapor"), len(complainant), _fmt(figures.median(complainant)),
         _fmt(figures.p90(complainant))),
    ]
    return Table("waktu", _("Waktu hingga jawaban: di kantor dan menunggu pelapor"),
                 (_("Bagian"), _("Kasus"), _("Median (hari kerja)"), _("P90 (hari kerja)")),
                 rows, chart="bar", series=(2, 3))


def _volume_tables(cases: list[CaseRow], tasks: list[TaskRow],
                   options: dict[str, tuple[str, dict[str, str]]]) -> list[Table]:
    tables = []
    for role, fallback in ((CHANNEL, _("Kanal")), (TYPE, _("Jenis")), (SERVICE, _("Layanan"))):
        title, labels = options.get(role, (fallback, {}))
        counts = Counter(getattr(c, COLUMN_OF[role].key) or "" for c in cases)
        rows = [(labels.get(value, value) or _("(tidak diisi)"), n)
                for value, n in counts.most_common()]
        tables.append(Table(role, _("Jumlah per %(title)s", title=title.lower()),
                            (title, _("Kasus")), rows, chart="bar"))
    division_cases: dict[tuple[str, str], set[int]] = defaultdict(set)
    for task in tasks:
        if task.division and task.lane:
            division_cases[(task.lane, task.division)].add(task.case_id)
    rows = [(lanes.divisions(lane).get(code, code), len(ids))
            for (lane, code), ids in sorted(division_cases.items())]
    tables.append(Table("bidang", _("Jumlah per bidang"), (_("Bidang"), _("Kasus")), rows,
                        chart="bar"))
    outcome = Counter(c.outcome_label or _("Masih berjalan") for c in cases)
    tables.append(Table("hasil", _("Jumlah per hasil"), (_("Hasil"), _("Kasus")),
                        outcome.most_common(), chart="bar"))
    return tables


def backlog(cal: WorkingCalendar, filters: dict[str, str], now: datetime) -> list[int]:
    """The running cases' ages in working days (today, WIB), with FILTERS applied."""
    query = select(Case.received_at).where(Case.status == "berjalan")
    for role, value in filters.items():
        if role in COLUMN_OF and value:
            query = query.where(COLUMN_OF[role] == value)
    today = now.astimezone(WIB).date()
    return [cal.working_days_between(received.astimezone(WIB).date(), today)
            for received in get_session().scalars(query)]


def _backlog_table(cal: WorkingCalendar, period: Period, now: datetime) -> Table:
    ages = backlog(cal, period.filters, now)
    rows = []
    for low, high in BACKLOG_BUCKETS:
        label = f"{low}–{high}" if high is not None else f"> {low - 1}"
        rows.append((label, sum(1 for a in ages if a >= low and (high is None or a <= high))))
    return Table("tunggakan", _("Kasus berjalan menurut umur (hari kerja, hari ini)"),
                 (_("Umur"), _("Kasus")), rows, chart="bar")


def _satisfaction_table(single: figures.SatisfactionIndex,
                        elements: figures.SatisfactionIndex) -> Table:
    rows: list[tuple[Any, ...]] = []
    if single.respondents:
        rows.append((_("Penilaian tunggal (1–4)"), single.respondents,
                     _fmt(single.index / 25 if single.index is not None else None),
                     _fmt(single.index)))
    for element, (count, mean, index) in elements.elements.items():
        rows.append((element, count, _fmt(mean), _fmt(index)))
    if elements.index is not None:
        rows.append((_("IKM (U1–U9, bobot 1/9)"), elements.respondents,
                     _fmt(elements.index / 25), _fmt(elements.index)))
    return Table("kepuasan", _("Indeks kepuasan masyarakat"),
                 (_("Unsur"), _("Responden"), _("Rata-rata (1–4)"), _("Nilai (× 25)")),
                 rows, chart="bar", series=(3,))
