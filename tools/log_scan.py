"""Read a ``home-assistant.log`` and find what a quality integration must never cause.

* "Detected blocking call ..." (I/O in the event loop) anywhere;
* "Detected that custom integration 'openadr_ven' ..." (deprecated or unsafe API use);
* ERROR or CRITICAL records of ``custom_components.openadr_ven``;
* tracebacks that pass through the integration's code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

DOMAIN = "openadr_ven"
_RECORD = re.compile(
    r"^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+) (?P<level>[A-Z]+) "
    r"\((?P<thread>[^)]*)\) \[(?P<logger>[^\]]+)\] "
)


@dataclass(frozen=True, slots=True)
class LogRecord:
    level: str
    logger: str
    text: str  # the whole record, continuation lines (tracebacks) included


@dataclass(frozen=True, slots=True)
class LogScan:
    records: tuple[LogRecord, ...] = ()
    blocking_calls: tuple[LogRecord, ...] = ()
    integration_reports: tuple[LogRecord, ...] = ()
    errors: tuple[LogRecord, ...] = ()
    tracebacks: tuple[LogRecord, ...] = ()
    ours: tuple[LogRecord, ...] = field(default=())

    def problems(self) -> list[str]:
        found = []
        for title, items in (
            ("blocking call in the event loop", self.blocking_calls),
            ("Home Assistant reported the integration", self.integration_reports),
            (f"ERROR from custom_components.{DOMAIN}", self.errors),
            ("traceback through the integration", self.tracebacks),
        ):
            found.extend(f"{title}: {r.text[:1500]}" for r in items)
        return found


def parse_records(text: str) -> list[LogRecord]:
    records: list[LogRecord] = []
    current: tuple[str, str, list[str]] | None = None
    for line in text.splitlines():
        match = _RECORD.match(line)
        if match:
            if current:
                records.append(LogRecord(current[0], current[1], "\n".join(current[2])))
            current = (match["level"], match["logger"], [line])
        elif current:
            current[2].append(line)
    if current:
        records.append(LogRecord(current[0], current[1], "\n".join(current[2])))
    return records


def scan_text(text: str) -> LogScan:
    records = parse_records(text)
    ours_logger = f"custom_components.{DOMAIN}"

    def is_ours(record: LogRecord) -> bool:
        return record.logger == ours_logger or record.logger.startswith(ours_logger + ".")

    return LogScan(
        records=tuple(records),
        blocking_calls=tuple(r for r in records if "Detected blocking call" in r.text),
        integration_reports=tuple(
            r for r in records if f"Detected that custom integration '{DOMAIN}'" in r.text
        ),
        errors=tuple(r for r in records if is_ours(r) and r.level in ("ERROR", "CRITICAL")),
        tracebacks=tuple(
            r
            for r in records
            if "Traceback (most recent call last)" in r.text
            and (f"custom_components/{DOMAIN}" in r.text or is_ours(r))
        ),
        ours=tuple(r for r in records if is_ours(r)),
    )


def scan_hass_log(path: Path) -> LogScan:
    try:
        return scan_text(path.read_text(encoding="utf-8", errors="replace"))
    except FileNotFoundError:
        return LogScan()
