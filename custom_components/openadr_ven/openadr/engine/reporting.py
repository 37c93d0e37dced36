"""The VEN's report desk: accepted report requests, telemetry samples, and the report messages.

:class:`ReportBook` is the stateful half of reporting (the pure rules are in :mod:`.reports`):
it answers oadrCreateReport / oadrCancelReport, keeps the sample ring, and queues
oadrRegisterReport (METADATA) and oadrUpdateReport messages through the engine's outbox when
they are due.  The engine owns the registration: every method that sends takes the venID.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from ..config import VenConfig
from ..enums import ResponseCode
from ..models import (
    CanceledReport,
    CancelReport,
    CreatedReport,
    OutgoingMessage,
    RegisterReport,
    ReportInterval,
    ReportRequest,
    Response,
)
from . import reports as rep
from .common import IdFactory


class ReportBook:
    """Report requests the VEN accepted (``jobs``) and the telemetry it samples (``samples``)."""

    def __init__(
        self,
        config: VenConfig,
        ids: IdFactory,
        queue: Callable[[OutgoingMessage], None],
        *,
        has_history: bool,
    ) -> None:
        self.config = config
        self.has_history = has_history
        self._ids = ids
        self._queue = queue
        self.jobs: dict[str, rep.ReportJob] = {}
        self.samples: deque[rep.Sample] = deque(maxlen=rep.SAMPLE_BUFFER)
        self.latest: rep.Sample | None = None

    def metadata(self, ven_id: str, now: datetime, report_request_id: str | None = None) -> RegisterReport:
        """Our METADATA oadrRegisterReport (R306, R311)."""
        return rep.metadata(
            self.config,
            ven_id=ven_id,
            has_history=self.has_history,
            now=now,
            request_id=self._ids.new("rr-"),
            report_request_id=report_request_id,
        )

    # ------------------------------------------------------------------ requests from the VTN

    def on_requests(
        self, requests: Sequence[ReportRequest], request_id: str, ven_id: str, now: datetime
    ) -> None:
        """oadrCreateReport (or requests piggy-backed on oadrRegisteredReport, R344)."""
        code, text = 200, "OK"
        for request in requests:
            verdict = rep.validate(request, has_history=self.has_history, now=now)
            if not verdict.ok:
                if code == 200:
                    code, text = verdict.code, verdict.description
                continue
            if _one_shot_metadata(request):
                continue  # sent right after oadrCreatedReport
            self.jobs[request.report_request_id] = rep.schedule(request, now)
        pending = tuple(self.jobs)  # R329: every report scheduled for future delivery
        self._queue(CreatedReport(Response(code, text, request_id), pending, ven_id))
        for request in requests:
            if _one_shot_metadata(request):
                self._queue(self.metadata(ven_id, now, request.report_request_id))  # R301, R311, R327
        self.run_due(ven_id, now)

    def on_cancel(self, message: CancelReport, now: datetime, *, answer_as: str | None) -> None:
        """oadrCancelReport; ``answer_as`` is our venID when an oadrCanceledReport is owed."""
        unknown = [rid for rid in message.report_request_ids if rid not in self.jobs]
        for rid in message.report_request_ids:
            job = self.jobs.get(rid)
            if job is None:
                continue
            if message.report_to_follow:
                self.jobs[rid] = replace(job, final=True, next_due=now, end=None)  # R345
            else:
                del self.jobs[rid]
        if answer_as is not None:
            response = (
                Response(
                    ResponseCode.INVALID_ID,
                    f"unknown reportRequestID {', '.join(unknown)}",
                    message.request_id,
                )
                if unknown
                else Response(200, "OK", message.request_id)
            )  # R336
            self._queue(CanceledReport(response, tuple(self.jobs), answer_as))

    # ------------------------------------------------------------------ delivery

    def run_due(self, ven_id: str, now: datetime) -> None:
        """Queue every report that is due (periodic, one-shot, final)."""
        for rid, job in list(self.jobs.items()):
            if job.next_due is None or job.next_due > now:
                continue
            if job.specifier == rep.METADATA:
                self._queue(self.metadata(ven_id, now, rid))
            else:
                # The window ends at the due time even when the report is late (restart).
                intervals = rep.telemetry_intervals(
                    job, list(self.samples), self.latest, now, window_end=job.next_due
                )
                self._queue_report(job, intervals, ven_id, now)
            following = rep.after_delivery(job, now)
            if following is None:
                del self.jobs[rid]
            else:
                self.jobs[rid] = following

    def _queue_report(
        self, job: rep.ReportJob, intervals: list[ReportInterval], ven_id: str, now: datetime
    ) -> None:
        self._queue(
            rep.update_report(job, intervals, ven_id=ven_id, request_id=self._ids.new("upd-"), now=now)
        )

    def due_times(self, now: datetime) -> list[datetime]:
        """When a report is next due, and when the next sample is (now when none was taken)."""
        times = [j.next_due for j in self.jobs.values() if j.next_due is not None]
        last = self.samples[-1].at if self.samples else None
        times.append(now if last is None else last + rep.SAMPLE_PERIOD)
        return times

    # ------------------------------------------------------------------ meter data

    def history_queries(self, now: datetime) -> list[tuple[str, datetime, datetime, timedelta]]:
        """HISTORY_USAGE requests waiting for meter data: (reportRequestID, start, end, step)."""
        return [
            (rid, *rep.history_window(job, now)) for rid, job in self.jobs.items() if job.awaiting_history
        ]

    def history_ready(
        self,
        report_request_id: str,
        points: list[tuple[datetime, float]],
        ven_id: str | None,
        now: datetime,
    ) -> None:
        """The meter's answer to a HISTORY_USAGE request: one report, and the job is done."""
        job = self.jobs.pop(report_request_id, None)
        if job is None or ven_id is None:
            return
        self._queue_report(job, rep.history_intervals(job, points, now), ven_id, now)

    def record(self, sample: rep.Sample) -> None:
        """Keep a reading every SAMPLE_PERIOD (R337) in a bounded ring (R510)."""
        self.latest = sample
        if not self.samples or sample.at - self.samples[-1].at >= rep.SAMPLE_PERIOD:
            self.samples.append(sample)


def _one_shot_metadata(request: ReportRequest) -> bool:
    return request.report_specifier_id == rep.METADATA and request.report_back_duration <= timedelta(0)
