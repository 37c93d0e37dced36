"""MeterSource on HA entities: unit conversion, missing/unavailable states, recorder history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.models import StatisticMeanType, StatisticMetaData
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.core import HomeAssistant
from homeassistant.util.unit_conversion import EnergyConverter
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done

from custom_components.openadr_ven.meters import HomeAssistantMeter, statistics_period
from custom_components.openadr_ven.openadr.engine import reports as rep
from custom_components.openadr_ven.openadr.enums import DataQuality
from custom_components.openadr_ven.openadr.models import ReportRequest, SpecifierPayload


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Meters need no integration loaded; ``recorder_mock`` must come before ``hass``."""


@pytest.mark.parametrize(
    ("state", "unit", "watts"),
    [
        ("1.5", "kW", 1500.0),
        ("250", "W", 250.0),
        ("-300", "W", -300.0),  # export
        ("0.5", "MW", 500_000.0),
        ("unknown", "W", None),
        ("unavailable", "W", None),
        ("abc", "W", None),
        ("nan", "W", None),
        ("5", "kWh", None),  # not a power unit
        ("5", None, None),
    ],
)
async def test_power(hass: HomeAssistant, state: str, unit: str | None, watts: float | None) -> None:
    hass.states.async_set("sensor.p", state, {"unit_of_measurement": unit} if unit else {})
    meter = HomeAssistantMeter(hass, "sensor.p", None)
    assert meter.power_w() == watts


@pytest.mark.parametrize(
    ("state", "unit", "wh"),
    [("12.5", "kWh", 12500.0), ("7", "Wh", 7.0), ("1", "MWh", 1_000_000.0), ("3", "W", None)],
)
async def test_energy(hass: HomeAssistant, state: str, unit: str, wh: float | None) -> None:
    hass.states.async_set("sensor.e", state, {"unit_of_measurement": unit})
    assert HomeAssistantMeter(hass, None, "sensor.e").energy_wh() == wh


async def test_missing_entities(hass: HomeAssistant) -> None:
    meter = HomeAssistantMeter(hass, None, None)
    assert meter.power_w() is None
    assert meter.energy_wh() is None
    assert not meter.has_history
    assert (
        await meter.energy_history(
            datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC), timedelta(hours=1)
        )
        == []
    )
    assert HomeAssistantMeter(hass, "sensor.gone", "sensor.gone").power_w() is None


def test_statistics_period() -> None:
    assert statistics_period(timedelta(days=1)) == "day"
    assert statistics_period(timedelta(hours=2)) == "hour"
    assert statistics_period(timedelta(minutes=15)) == "5minute"
    assert statistics_period(timedelta(minutes=7)) is None
    assert statistics_period(timedelta(minutes=1)) is None


async def test_energy_history_from_statistics(recorder_mock: Recorder, hass: HomeAssistant) -> None:
    start = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    hourly_kwh = [0.5, 1.0, 0.25, 2.0]
    total = 100.0
    rows = []
    for hour, kwh in enumerate(hourly_kwh):
        total += kwh
        rows.append({"start": start + timedelta(hours=hour), "state": total, "sum": total - 100.0})
    metadata: StatisticMetaData = {
        "mean_type": StatisticMeanType.NONE,
        "has_sum": True,
        "name": None,
        "source": "recorder",
        "statistic_id": "sensor.energy",
        "unit_of_measurement": "kWh",
    }
    # Newer recorders require the unit class; older ones have no such column and refuse the key.
    if "unit_class" in StatisticMetaData.__annotations__:
        metadata["unit_class"] = EnergyConverter.UNIT_CLASS  # type: ignore[typeddict-unknown-key,unused-ignore]
    async_import_statistics(hass, metadata, rows)
    await async_wait_recording_done(hass)
    hass.states.async_set("sensor.energy", str(total), {"unit_of_measurement": "kWh"})

    meter = HomeAssistantMeter(hass, None, "sensor.energy")
    assert meter.has_history
    end = start + timedelta(hours=4)
    hourly = await meter.energy_history(start, end, timedelta(hours=1))
    # Direct Read (R331): the meter register (Wh) at the end of each hour, not the hour's usage.
    assert hourly == [
        (start, 100_500.0),
        (start + timedelta(hours=1), 101_500.0),
        (start + timedelta(hours=2), 101_750.0),
        (start + timedelta(hours=3), 103_750.0),
    ]

    two_hourly = await meter.energy_history(start + timedelta(hours=1), end, timedelta(hours=2))
    # Each interval carries the reading of its last hour.
    assert two_hourly == [(start + timedelta(hours=1), 101_750.0), (start + timedelta(hours=3), 103_750.0)]

    assert await meter.energy_history(start, end, timedelta(minutes=7)) == []
    assert await meter.energy_history(end, start, timedelta(hours=1)) == []

    # The engine reports them as they come: one interval per reading, Direct Read values (R331).
    request = ReportRequest(
        report_request_id="hist-1",
        report_specifier_id=rep.SPEC_HISTORY,
        granularity=timedelta(0),  # HISTORY_*: the recorded granularity (R317)
        report_back_duration=timedelta(0),
        specifier_payloads=(SpecifierPayload(rep.RID_HISTORY, "x-notApplicable"),),
        start=start,
        duration=timedelta(hours=4),
    )
    job = rep.schedule(request, end)
    window = rep.history_window(job, end)
    assert window == (start, end, rep.HISTORY_STEP)
    intervals = rep.history_intervals(job, await meter.energy_history(*window), end)
    assert [(i.start, i.duration, i.value, i.data_quality) for i in intervals] == [
        (t, timedelta(hours=1), reading, DataQuality.QUALITY_GOOD_NON_SPECIFIC) for t, reading in hourly
    ]
