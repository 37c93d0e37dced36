"""Services: success, validation errors, VTN errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openadr_ven.const import DOMAIN
from custom_components.openadr_ven.openadr.enums import EventStatus, OptType
from custom_components.openadr_ven.openadr.errors import NotRegisteredError, VTNConnectionError
from custom_components.openadr_ven.openadr.models import Availability
from tests.ha.conftest import FakeVenClient, event_view, snapshot_with_event


async def _call(
    hass: HomeAssistant, service: str, entry: MockConfigEntry, response: bool = False, **data: Any
) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        service,
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=response,
    )


async def test_services_registered_in_async_setup(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert set(hass.services.async_services_for_domain(DOMAIN)) == {
        "opt_in",
        "opt_out",
        "set_availability",
        "clear_availability",
        "request_events",
        "reregister",
    }


async def test_opt_in_default_event(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    mock_client.emit_snapshot(snapshot_with_event())
    result = await _call(hass, "opt_in", init_integration, response=True)
    assert result == {"event_id": "event-1", "opt": "optIn"}
    mock_client.opt.assert_awaited_once_with(OptType.OPT_IN, None)


async def test_opt_out_named_event(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    mock_client.emit_snapshot(snapshot_with_event(event_view("a"), event_view("b", status=EventStatus.FAR)))
    result = await _call(hass, "opt_out", init_integration, response=True, event_id="b")
    assert result == {"event_id": "b", "opt": "optOut"}
    mock_client.opt.assert_awaited_once_with(OptType.OPT_OUT, "b")


async def test_opt_unknown_event(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "opt_out", init_integration, event_id="nope")
    assert err.value.translation_key == "unknown_event"
    assert err.value.translation_placeholders == {"event_id": "nope"}


async def test_set_availability(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    result = await _call(
        hass,
        "set_availability",
        init_integration,
        response=True,
        windows=[
            {"start": "2026-01-05T17:00:00", "end": "2026-01-05T20:30:00"},
            {"start": "2026-01-06T16:00:00+00:00", "duration": {"hours": 2}},
        ],
    )
    assert result == {"opt_id": "opt-1"}
    mock_client.set_availability.assert_awaited_once_with(
        [
            Availability(
                start=datetime(2026, 1, 5, 16, 0, tzinfo=UTC), duration=timedelta(hours=3, minutes=30)
            ),
            Availability(start=datetime(2026, 1, 6, 16, 0, tzinfo=UTC), duration=timedelta(hours=2)),
        ],
        OptType.OPT_OUT,
    )


async def test_set_availability_opt_in(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    await _call(
        hass,
        "set_availability",
        init_integration,
        windows={"start": "2026-01-05T17:00:00+00:00", "duration": "01:00:00"},
        opt_type="opt_in",
    )
    args = mock_client.set_availability.await_args.args
    assert args == ([Availability(datetime(2026, 1, 5, 17, tzinfo=UTC), timedelta(hours=1))], OptType.OPT_IN)


async def test_set_availability_end_before_start(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "set_availability",
            init_integration,
            windows=[{"start": "2026-01-05T17:00:00+00:00", "end": "2026-01-05T16:00:00+00:00"}],
        )
    assert err.value.translation_key == "end_before_start"
    mock_client.set_availability.assert_not_awaited()


@pytest.mark.parametrize(
    "windows",
    [
        [{"start": "2026-01-05T17:00:00", "end": "2026-01-05T18:00:00", "duration": "01:00:00"}],
        [{"start": "2026-01-05T17:00:00"}],
        [],
        [{"end": "2026-01-05T17:00:00"}],
    ],
)
async def test_set_availability_schema(
    hass: HomeAssistant, init_integration: MockConfigEntry, windows: list[dict[str, str]]
) -> None:
    with pytest.raises(vol.Invalid):
        await _call(hass, "set_availability", init_integration, windows=windows)


async def test_clear_availability(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    await _call(hass, "clear_availability", init_integration, opt_id="opt-1")
    await _call(hass, "clear_availability", init_integration)
    assert [c.args for c in mock_client.clear_availability.await_args_list] == [("opt-1",), (None,)]


async def test_request_events_and_reregister(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    await _call(hass, "request_events", init_integration)
    mock_client.request_events.assert_awaited_once()
    mock_client.register.reset_mock()
    await _call(hass, "reregister", init_integration)
    mock_client.register.assert_awaited_once()


async def test_vtn_failure_is_translated(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    mock_client.request_events.side_effect = VTNConnectionError("connection refused")
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "request_events", init_integration)
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "vtn_error"
    assert err.value.translation_placeholders == {"error": "connection refused"}

    mock_client.opt.side_effect = NotRegisteredError("no")
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "opt_in", init_integration)
    assert err.value.translation_key == "not_registered"


async def test_entry_not_loaded_or_unknown(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "request_events", init_integration)
    assert err.value.translation_key == "entry_not_loaded"

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "request_events", {"config_entry_id": "does-not-exist"}, blocking=True
        )
    assert err.value.translation_key == "entry_not_found"
    mock_client.request_events.assert_not_awaited()
