"""Constants of the OpenADR VEN integration."""

from __future__ import annotations

from typing import Final

from homeassistant.const import Platform

DOMAIN: Final = "openadr_ven"

# Entity platforms set up for every config entry (owned by the entities layer).
PLATFORMS: Final = (
    Platform.BINARY_SENSOR,
    Platform.CALENDAR,
    Platform.EVENT,
    Platform.SELECT,
    Platform.SENSOR,
)

# ---------------------------------------------------------------------------------------------
# Config entry data (connection and identity; changed by reconfigure / reauth).
CONF_VTN_URL: Final = "vtn_url"
CONF_VEN_NAME: Final = "ven_name"
CONF_VEN_ID: Final = "ven_id"
CONF_CERTIFICATE: Final = "certificate"  # PEM of the VEN's client certificate
CONF_PRIVATE_KEY: Final = "private_key"  # PEM of its private key
CONF_CA_CERTIFICATES: Final = "ca_certificates"  # optional PEM bundle of the VTN's CA
CONF_VTN_FINGERPRINT: Final = "vtn_fingerprint"  # optional pin of the VTN's certificate
CONF_XML_SIGNATURE: Final = "xml_signature"
CONF_ALLOW_INSECURE: Final = "allow_insecure"  # plain http / no server verification (tests only)

# Form-only fields: uploaded files (file_upload ids), merged into the PEM fields above.
CONF_CERTIFICATE_FILE: Final = "certificate_file"
CONF_PRIVATE_KEY_FILE: Final = "private_key_file"
CONF_CA_CERTIFICATES_FILE: Final = "ca_certificates_file"

# Options (behaviour; changed by the options flow).
CONF_POWER_ENTITY: Final = "power_entity"
CONF_ENERGY_ENTITY: Final = "energy_entity"
CONF_DEFAULT_OPT: Final = "default_opt"
# The default_opt selector's options: translation keys must be snake_case (hassfest), so the
# options are ours and map to the OpenADR wire values (oadr optIn/optOut) here, in one place.
DEFAULT_OPT_IN: Final = "opt_in"
DEFAULT_OPT_OUT: Final = "opt_out"
CONF_RESOURCE_ID: Final = "resource_id"
CONF_MARKET_CONTEXTS: Final = "market_contexts"

# Bus event fired for every notification of the VEN (device triggers listen to it).
EVENT_OPENADR: Final = f"{DOMAIN}_event"

# Repairs.
ISSUE_CERTIFICATE_EXPIRING: Final = "certificate_expiring"
ISSUE_REGISTRATION_CANCELLED: Final = "registration_cancelled"
ISSUE_INSECURE_CONNECTION: Final = "insecure_connection"
ISSUE_FINGERPRINT_MISMATCH: Final = "fingerprint_mismatch"
CERTIFICATE_WARNING_DAYS: Final = 30
