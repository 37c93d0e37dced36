"""The library's MeterSource port: power and energy read from Home Assistant entities.

The user picks a power sensor (W, kW, ...) and a cumulative energy sensor (Wh, kWh, ...) in the
options; TELEMETRY_USAGE reports read them through this class. Values are converted to the units
the library speaks (W and Wh). A missing, unknown, unavailable or non-numeric state reads as
``None`` (the report then carries a "no value" data quality instead of a made-up number).
HISTORY_USAGE comes from the recorder's long-term statistics when the recorder is loaded: like
TELEMETRY_USAGE's energy it is a "Direct Read" (R331) of the meter register, so each interval
carries the cumulative reading at its end, not the energy used within it.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from typing import Literal

from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfEnergy,
    UnitOfPower,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util.unit_conversion import BaseUnitConverter, EnergyConverter, PowerConverter

_LOGGER = logging.getLogger(__name__)

type StatisticsPeriod = Literal["5minute", "hour", "day"]
_PERIODS: tuple[tuple[StatisticsPeriod, timedelta], ...] = (
    ("day", timedelta(days=1)),
    ("hour", timedelta(hours=1)),
    ("5minute", timedelta(minutes=5)),
)


def read_converted(
    hass: HomeAssistant, entity_id: str | None, converter: type[BaseUnitConverter], to_unit: str
) -> float | None:
    """The entity's state in ``to_unit``, or None when it has no usable value."""
    if entity_id is None:
        return None
    state = hass.states.get(entity_id)
    if state is None or state.state in (STATE_UNKNOWN, STATE_UNAVAILABLE):
        return None
    try:
        value = float(state.state)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    if unit not in converter.VALID_UNITS:
        return None
    try:
        return converter.convert(value, unit, to_unit)
    except HomeAssistantError:  # pragma: no cover - VALID_UNITS guards this
        return None


def statistics_period(step: timedelta) -> StatisticsPeriod | None:
    """The coarsest recorder statistics period that divides ``step`` evenly."""
    for name, length in _PERIODS:
        if step >= length and step % length == timedelta(0):
            return name
    return None


class HomeAssistantMeter:
    """Implements ``openadr.engine.reports.MeterSource`` with two optional entities."""

    def __init__(self, hass: HomeAssistant, power_entity: str | None, energy_entity: str | None) -> None:
        self._hass = hass
        self.power_entity = power_entity
        self.energy_entity = energy_entity

    def power_w(self) -> float | None:
        """Instantaneous real power in W."""
        return read_converted(self._hass, self.power_entity, PowerConverter, UnitOfPower.WATT)

    def energy_wh(self) -> float | None:
        """Cumulative real energy in Wh."""
        return read_converted(self._hass, self.energy_entity, EnergyConverter, UnitOfEnergy.WATT_HOUR)

    @property
    def has_history(self) -> bool:
        return self.energy_entity is not None and "recorder" in self._hass.config.components

    async def energy_history(
        self, start: datetime, end: datetime, step: timedelta
    ) -> list[tuple[datetime, float]]:
        """The meter reading (Wh) at the end of each ``step``-long interval of [start, end).

        ``(t, reading)`` per interval starting at ``t``, oldest first: the cumulative energy
        register (a Direct Read, R331, as TELEMETRY_USAGE reports it), taken from the "state" of
        the last recorder statistics row (hourly / 5-minute) inside the interval; intervals the
        recorder has no data for are left out. ``step`` must be a multiple of 5 minutes (the
        finest statistics period); otherwise no history is available.
        """
        if not self.has_history or end <= start:
            return []
        period = statistics_period(step)
        if period is None:
            _LOGGER.debug("No statistics period fits a history step of %s", step)
            return []
        from homeassistant.components.recorder.statistics import (  # noqa: PLC0415
            statistics_during_period,
        )
        from homeassistant.helpers.recorder import get_instance  # noqa: PLC0415

        assert self.energy_entity is not None
        energy_entity = self.energy_entity
        rows = await get_instance(self._hass).async_add_executor_job(
            statistics_during_period,
            self._hass,
            start,
            end,
            {energy_entity},
            period,
            {"energy": UnitOfEnergy.WATT_HOUR},
            {"state"},
        )
        readings: dict[datetime, tuple[float, float]] = {}  # interval start -> (row start, reading)
        for row in rows.get(energy_entity, []):
            reading = row.get("state")
            if reading is None or not math.isfinite(reading):
                continue
            row_start = float(row["start"])
            bucket = start + ((datetime.fromtimestamp(row_start, tz=start.tzinfo) - start) // step) * step
            if start <= bucket < end and row_start >= readings.get(bucket, (-math.inf, 0.0))[0]:
                readings[bucket] = (row_start, float(reading))  # the latest row of the interval
        return sorted((bucket, reading) for bucket, (_, reading) in readings.items())
