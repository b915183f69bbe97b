"""The assessment pages' long reads, as module-level functions the hall runs in a process of its own.

A month of a big hall is a quarter of a million records and a second or two of
Python: in a thread of the hall's process it would hold the GIL (and, once the
records are made, the cycle collector would walk them all), and a kiosk's ticket
would wait for it (bench/bench_figures.py: issuing p99 ~170 ms beside figures in
a thread, ~15-50 ms beside them in another process). So the pages ask the
"assess" helper process (hall/offloop.py) for the answer: the hall's file path,
its configuration and the question go there, JSON-ready data comes back.
Refusals come back as ("error", code, message, message_en), never as exceptions
that would have to cross the pipe.
"""
from __future__ import annotations

import io
from datetime import date


def _period(path, code, config, start: date, end: date, today: date, workdays, facts: bool = False):
    from assess.period import Period
    from assess.reader import Reader, ReaderError
    try:
        reader = Reader(path, code)
    except ReaderError as exc:
        return None, ("error", "records_unavailable", exc.message, exc.message_en)
    with reader:
        return Period.read(reader, start, end, config, today, workdays, facts), None


def figures(path, code, config, start, end, today, workdays, by):
    """The figures table of `by` with the charts' series (GET /api/assess/figures)."""
    p, refused = _period(path, code, config, start, end, today, workdays, facts=True)
    return refused or ("ok", {**p.table_json(by), "charts": p.charts_json()})


def drill(path, code, config, start, end, today, workdays, by, key, figure, tz):
    """The records behind one figure (GET /api/assess/drill)."""
    p, refused = _period(path, code, config, start, end, today, workdays)
    return refused or ("ok", p.drill_json(by, key, figure, tz))


def export(path, code, config, start, end, today, workdays, by, fmt):
    """The figures table of `by` as CSV or XLSX bytes (GET /api/assess/export)."""
    from assess.export import Report, write_csv, write_xlsx
    p, refused = _period(path, code, config, start, end, today, workdays, facts=True)
    if refused:
        return refused
    rows = p.rows(by)
    report = Report(rows=rows, by=by, start=p.start, end=p.end, hall=config.name, hall_en=config.name_en,
                    total=p.total(), labels={r.key: p.labels.of(by, r.key)[0] for r in rows})
    buf = io.BytesIO()
    (write_csv if fmt == "csv" else write_xlsx)(report, buf, None)
    return "ok", buf.getvalue()


def export_job(path, code, config, start, end, today, workdays, by, fmt, out_path, progress=None):
    """An export job's file (POST /api/assess/exports): written at `out_path`, with
    progress(phase, done, total) as the records are read ("reading") and the rows written ("writing")."""
    from assess.export import Report, write_csv, write_xlsx
    from assess.period import Labels, Period, settings_of
    from assess.reader import Reader, ReaderError

    def phase(name):
        return (lambda done, total: progress(name, done, total)) if progress else None
    try:
        reader = Reader(path, code)
    except ReaderError as exc:
        return "error", "records_unavailable", exc.message, exc.message_en
    with reader:
        steps, ratings, cases = reader.facts(start, end, phase("reading"))
        names = reader.staff_names()
    if progress:
        progress("figuring", 0, 0)
    p = Period(start, end, steps, ratings, cases, settings_of(config), today, workdays, Labels(config, names))
    rows = p.rows(by)
    report = Report(rows=rows, by=by, start=p.start, end=p.end, hall=config.name, hall_en=config.name_en,
                    total=p.total(), labels={r.key: p.labels.of(by, r.key)[0] for r in rows})
    (write_csv if fmt == "csv" else write_xlsx)(report, out_path, phase("writing"))
    return "ok", None


def month_report(path, code, config, start, end, today, workdays, month, tz):
    """The monthly report's data (/assess/report): a month's figures, bad ratings, stars and alarms."""
    from assess.reader import Reader, ReaderError
    from assess.report import month_report as build
    try:
        reader = Reader(path, code)
    except ReaderError as exc:
        return "error", "records_unavailable", exc.message, exc.message_en
    with reader:
        return "ok", build(reader, month, start, end, config, today, workdays, tz)
