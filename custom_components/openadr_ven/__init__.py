"""The OpenADR VEN integration: a Home Assistant home as an OpenADR 2.0b virtual end node."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from . import repairs
from .clock import HomeAssistantClock
from .const import (
    CONF_ALLOW_INSECURE,
    CONF_CA_CERTIFICATES,
    CONF_CERTIFICATE,
    CONF_DEFAULT_OPT,
    CONF_ENERGY_ENTITY,
    CONF_MARKET_CONTEXTS,
    CONF_POWER_ENTITY,
    CONF_PRIVATE_KEY,
    CONF_RESOURCE_ID,
    CONF_VEN_ID,
    CONF_VEN_NAME,
    CONF_VTN_FINGERPRINT,
    CONF_VTN_URL,
    CONF_XML_SIGNATURE,
    DEFAULT_OPT_IN,
    DEFAULT_OPT_OUT,
    DOMAIN,
    PLATFORMS,
)
from .coordinator import OpenADRConfigEntry, OpenADRCoordinator, OpenADRRuntimeData
from .meters import HomeAssistantMeter
from .openadr.enums import OptType
from .openadr.errors import (
    CertificateError,
    CertificateRejectedError,
    FingerprintMismatchError,
    HTTPStatusError,
    OpenADRError,
    TLSError,
)
from .services import async_setup_services
from .store import OpenADRStore, StorageTooNewError

if TYPE_CHECKING:
    from .openadr.driver import VenClient
    from .openadr.storage import Storage

_LOGGER = logging.getLogger(__name__)

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


_DEFAULT_OPT_TYPES: Mapping[str, OptType] = {DEFAULT_OPT_IN: OptType.OPT_IN, DEFAULT_OPT_OUT: OptType.OPT_OUT}


def default_opt_type(option: object) -> OptType:
    """The OpenADR opt type of the ``default_opt`` option (opt in when unset or unknown)."""
    return _DEFAULT_OPT_TYPES.get(str(option), OptType.OPT_IN)


async def async_migrate_entry(hass: HomeAssistant, entry: OpenADRConfigEntry) -> bool:
    """1.1 -> 1.2: ``default_opt`` stored the wire values optIn/optOut, now opt_in/opt_out."""
    if entry.version > 1:
        return False  # written by a newer integration: refuse rather than guess
    if entry.version == 1 and entry.minor_version < 2:
        options = dict(entry.options)
        old = options.get(CONF_DEFAULT_OPT)
        if old is not None:
            wire = {str(OptType.OPT_IN): DEFAULT_OPT_IN, str(OptType.OPT_OUT): DEFAULT_OPT_OUT}
            known = old if old in _DEFAULT_OPT_TYPES else DEFAULT_OPT_IN
            options[CONF_DEFAULT_OPT] = wire.get(str(old), known)
        hass.config_entries.async_update_entry(entry, options=options, minor_version=2)
    return True


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's services (they exist even when no VEN is loaded)."""
    async_setup_services(hass)
    return True


def build_ssl_context(data: dict[str, Any]) -> ssl.SSLContext | None:
    """TLS context of a VEN (blocking: reads certificates; run it in the executor).

    None for plain-http URLs (accepted only with ``allow_insecure``, checked by the config flow).
    """
    if not str(data[CONF_VTN_URL]).lower().startswith("https://"):
        return None
    from .openadr.security import build_ssl_context as _build  # noqa: PLC0415

    def _pem(key: str) -> bytes | None:
        value = data.get(key)
        return value.encode() if value else None

    return _build(
        client_cert_pem=_pem(CONF_CERTIFICATE),
        client_key_pem=_pem(CONF_PRIVATE_KEY),
        ca_pem=_pem(CONF_CA_CERTIFICATES),
        verify=not data.get(CONF_ALLOW_INSECURE, False),
    )


def create_ven_client(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    options: Mapping[str, Any],
    *,
    storage: Storage,
    meter: HomeAssistantMeter | None,
    ssl_context: ssl.SSLContext | None,
) -> VenClient:
    """Wire the protocol library for one VEN (entry data and options, or a config flow's input).

    HA's shared aiohttp session is used for every VEN and the TLS context (client certificate,
    CA, verification) goes with each request (``TransportConfig.ssl``): aiohttp keys its pooled
    connections by SSL context, so one entry's certificate is never used for another, and there
    is no extra session or connector to create and close with the entry.
    """
    from .openadr.config import VenConfig  # noqa: PLC0415
    from .openadr.driver import VenClient  # noqa: PLC0415
    from .openadr.transport import Transport, TransportConfig  # noqa: PLC0415

    config = VenConfig(
        ven_name=data[CONF_VEN_NAME],
        ven_id=data.get(CONF_VEN_ID) or None,
        resource_id=options.get(CONF_RESOURCE_ID) or None,
        market_contexts=tuple(options.get(CONF_MARKET_CONTEXTS, ())),
        default_opt=default_opt_type(options.get(CONF_DEFAULT_OPT)),
        xml_signature=bool(data.get(CONF_XML_SIGNATURE, False)),
    )
    transport = Transport(
        async_get_clientsession(hass),
        TransportConfig(
            vtn_url=data[CONF_VTN_URL],
            ssl=ssl_context,
            vtn_fingerprint=data.get(CONF_VTN_FINGERPRINT) or None,
        ),
    )
    # HA's time (dt_util.utcnow, HA timers): the VEN follows Home Assistant's clock.
    clock = HomeAssistantClock(hass)
    signer = verifier = None
    if config.xml_signature and data.get(CONF_CERTIFICATE) and data.get(CONF_PRIVATE_KEY):
        from .openadr.signature import XmlSigner, XmlVerifier  # noqa: PLC0415

        signer = XmlSigner(data[CONF_CERTIFICATE].encode(), data[CONF_PRIVATE_KEY].encode(), clock=clock)
        # Signed VTN payloads are verified against the pinned VTN certificate (R514).
        if pin := data.get(CONF_VTN_FINGERPRINT):
            verifier = XmlVerifier([pin], clock=clock)
    return VenClient(config, transport, storage, clock=clock, meter=meter, signer=signer, verifier=verifier)


async def _async_build_client(
    hass: HomeAssistant, entry: OpenADRConfigEntry, storage: OpenADRStore
) -> VenClient:
    if entry.data.get(CONF_XML_SIGNATURE) and not entry.data.get(CONF_VTN_FINGERPRINT):
        # R514: signed VTN messages are verified against the pinned VTN certificate; without a
        # pin the VEN could not tell a forged signature from a real one (the config flow refuses
        # this too; entries from before that rule land here and are fixed with Reconfigure).
        raise ConfigEntryError(translation_domain=DOMAIN, translation_key="signature_needs_fingerprint")
    try:
        ssl_context = await hass.async_add_executor_job(build_ssl_context, dict(entry.data))
    except (CertificateError, ssl.SSLError) as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="invalid_certificate",
            translation_placeholders={"error": str(err)},
        ) from err
    meter = HomeAssistantMeter(
        hass, entry.options.get(CONF_POWER_ENTITY), entry.options.get(CONF_ENERGY_ENTITY)
    )
    return create_ven_client(
        hass, entry.data, entry.options, storage=storage, meter=meter, ssl_context=ssl_context
    )


async def async_setup_entry(hass: HomeAssistant, entry: OpenADRConfigEntry) -> bool:
    """Set up one VEN: restore its state, register if it never did, start its loop."""
    repairs.async_check_insecure(hass, entry)
    storage = OpenADRStore(hass, entry.entry_id)
    client = await _async_build_client(hass, entry, storage)
    try:
        await client.load()
    except StorageTooNewError as err:
        raise ConfigEntryError(translation_domain=DOMAIN, translation_key="storage_too_new") from err

    if client.snapshot.registration is None:
        # Never registered (or the VTN cancelled it): register now so set-up reports problems.
        # With a stored registration the VEN starts from it without the network: known events
        # keep running through a VTN outage.
        await _async_register_or_raise(client)

    coordinator = OpenADRCoordinator(hass, entry, client)
    coordinator.async_start()
    entry.async_on_unload(coordinator.async_stop)
    entry.runtime_data = OpenADRRuntimeData(client=client, coordinator=coordinator)
    repairs.async_setup_entry_repairs(hass, entry)

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_create_background_task(hass, client.run(), name=f"{DOMAIN} VEN {entry.title}")
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    return True


async def _async_register_or_raise(client: VenClient) -> None:
    try:
        await client.register()
    except CertificateRejectedError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="certificate_rejected"
        ) from err
    except FingerprintMismatchError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="fingerprint_mismatch",
            translation_placeholders={"expected": err.expected, "actual": err.actual},
        ) from err
    except TLSError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="tls_error",
            translation_placeholders={"error": str(err)},
        ) from err
    except HTTPStatusError as err:
        if err.status == 403:  # R517: the VTN refused our TLS client authentication
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="certificate_rejected"
            ) from err
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_register",
            translation_placeholders={"error": str(err)},
        ) from err
    except OpenADRError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_register",
            translation_placeholders={"error": str(err)},
        ) from err


async def _async_update_listener(hass: HomeAssistant, entry: OpenADRConfigEntry) -> None:
    """Options changed: rebuild the VEN with them."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: OpenADRConfigEntry) -> bool:
    """Stop the VEN; HA cancels the entry's background task and runs the unload callbacks."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.client.stop()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: OpenADRConfigEntry) -> None:
    """Entry deleted: cancel the registration at the VTN (best effort), forget the state."""
    storage = OpenADRStore(hass, entry.entry_id)
    try:
        client = await _async_build_client(hass, entry, storage)
        await client.load()
        if client.snapshot.registration is not None:
            await client.cancel_registration()
    except (OpenADRError, ConfigEntryAuthFailed, StorageTooNewError) as err:
        _LOGGER.warning(
            "Could not cancel the registration of %s at the VTN (%s); ask the utility to remove it",
            entry.title,
            err,
        )
    await storage.async_remove()
    repairs.async_delete_entry_issues(hass, entry)
