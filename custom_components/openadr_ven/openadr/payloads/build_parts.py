"""Small XML pieces shared by the builders: responses, targets, units, times and numbers.

Every helper appends to a parent with ``etree.SubElement`` and a precomputed Clark tag.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from lxml import etree

from ..models import ItemBase, Response, Target
from . import namespaces as ns
from .timeutil import format_datetime, format_duration

_SubElement = etree.SubElement

#: Filled in for power items whose powerAttributes are unknown (the schema requires them).
DEFAULT_HERTZ = 60.0
DEFAULT_VOLTAGE = 120.0


def text_el(parent: etree._Element, tag: str, text: str) -> etree._Element:
    el = _SubElement(parent, tag)
    el.text = text
    return el


def format_float(value: float) -> str:
    """An xs:float / xs:decimal literal: ``3``, ``0.25``, ``1e+20`` (NaN and infinities refused)."""
    if not math.isfinite(value):
        raise ValueError(f"non-finite value {value!r} cannot be sent")
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def format_bool(value: bool) -> str:
    return "true" if value else "false"


def date_time(parent: etree._Element, tag: str, value: datetime) -> None:
    """``<tag><xcal:date-time>…</xcal:date-time></tag>`` (xcal:dtstart and friends)."""
    text_el(_SubElement(parent, tag), ns.XCAL_DATE_TIME, format_datetime(value))


def duration_prop(parent: etree._Element, tag: str, value: timedelta) -> None:
    """``<tag><xcal:duration>PT1H</xcal:duration></tag>`` (xcal:DurationPropType)."""
    text_el(_SubElement(parent, tag), ns.XCAL_DURATION, format_duration(value))


def response(parent: etree._Element, value: Response) -> None:
    """ei:eiResponse: responseCode, responseDescription?, requestID (empty when None)."""
    el = _SubElement(parent, ns.EI_RESPONSE)
    text_el(el, ns.EI_RESPONSE_CODE, f"{value.code:03d}")
    if value.description is not None:
        text_el(el, ns.EI_RESPONSE_DESCRIPTION, value.description)
    text_el(el, ns.PYLD_REQUEST_ID, value.request_id or "")


def target(parent: etree._Element, value: Target, tag: str = ns.EI_TARGET) -> etree._Element:
    """An ei:EiTargetType element with the criteria in schema order (empty element when empty)."""
    el = _SubElement(parent, tag)
    if value.empty:
        return el
    others = value.others
    _other(el, others, "aggregatedPnode")
    for mrid in value.end_device_assets:
        text_el(_SubElement(el, ns.POWER_END_DEVICE_ASSET), ns.POWER_MRID, mrid)
    _other(el, others, "meterAsset")
    _other(el, others, "pnode")
    _other(el, others, "serviceDeliveryPoint")
    for group_id in value.group_ids:
        text_el(el, ns.EI_GROUP_ID, group_id)
    _other(el, others, "groupName")
    for resource_id in value.resource_ids:
        text_el(el, ns.EI_RESOURCE_ID, resource_id)
    for ven_id in value.ven_ids:
        text_el(el, ns.EI_VEN_ID, ven_id)
    for party_id in value.party_ids:
        text_el(el, ns.EI_PARTY_ID, party_id)
    return el


def _other(parent: etree._Element, others: tuple[tuple[str, str], ...], kind: str) -> None:
    """Target.others of one kind.  Geometry kinds (serviceArea, serviceLocation) and
    transportInterface cannot be rebuilt from a string and are not written."""
    if not others:
        return
    tag = ns.TARGET_OTHER_TAGS[kind]
    for other_kind, value in others:
        if other_kind != kind:
            continue
        if kind == "groupName":
            text_el(parent, tag, value)
        elif kind == "meterAsset":
            text_el(_SubElement(parent, tag), ns.POWER_MRID, value)
        else:  # aggregatedPnode, pnode, serviceDeliveryPoint
            text_el(_SubElement(parent, tag), ns.POWER_NODE, value)


def item_base(parent: etree._Element, value: ItemBase) -> None:
    """An emix:itemBase substitute (power:powerReal, oadr:currencyPerKWh, ...)."""
    tag = ns.ITEM_TAGS.get(value.kind)
    if tag is None:
        raise ValueError(f"unknown itemBase kind {value.kind!r}")
    el = _SubElement(parent, tag)
    if value.kind in ns.POWER_ITEM_KINDS:
        text_el(el, ns.POWER_ITEM_DESCRIPTION, value.description)
        text_el(el, ns.POWER_ITEM_UNITS, value.units)
        text_el(el, ns.SCALE_SI_SCALE_CODE, value.si_scale_code)
        if value.kind.startswith("power"):
            attrs = _SubElement(el, ns.POWER_ATTRIBUTES)
            hertz = DEFAULT_HERTZ if value.hertz is None else value.hertz
            voltage = DEFAULT_VOLTAGE if value.voltage is None else value.voltage
            text_el(attrs, ns.POWER_HERTZ, format_float(hertz))
            text_el(attrs, ns.POWER_VOLTAGE, format_float(voltage))
            text_el(attrs, ns.POWER_AC, format_bool(True if value.ac is None else value.ac))
        return
    text_el(el, ns.O_ITEM_DESCRIPTION, value.description)
    text_el(el, ns.O_ITEM_UNITS, value.units)
    if value.kind == "pulseCount":
        factor = 1.0 if value.pulse_factor is None else value.pulse_factor
        text_el(el, ns.O_PULSE_FACTOR, format_float(factor))
    else:
        text_el(el, ns.SCALE_SI_SCALE_CODE, value.si_scale_code)
