"""Small XML pieces shared by the builders: escaping, responses, targets, units, times, numbers.

The builders write text straight into a list of strings (``w``) with the prefixes declared once
on the root (VEN_REQUIREMENTS §0): building a tree element by element costs several times more
than the whole rendering, and speed matters on small devices.  Every free text goes through
:func:`esc`; numbers, times and durations come from our own formatters.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from ..models import ItemBase, Response, Target
from . import namespaces as ns
from .timeutil import format_datetime, format_duration

#: Filled in for power items whose powerAttributes are unknown (the schema requires them).
DEFAULT_HERTZ = 60.0
DEFAULT_VOLTAGE = 120.0

_NEEDS_WORK = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PREFIX = {ns.OADR_NS: "oadr", ns.POWER_NS: "power", ns.EMIX_NS: "emix", ns.EI_NS: "ei"}


def qname(clark: str) -> str:
    """``{uri}local`` -> ``prefix:local`` with the prefixes of the root's namespace map."""
    uri, _, local = clark[1:].partition("}")
    return f"{_PREFIX[uri]}:{local}"


ITEM_QNAMES = {kind: qname(tag) for kind, tag in ns.ITEM_TAGS.items()}
TARGET_OTHER_QNAMES = {kind: qname(tag) for kind, tag in ns.TARGET_OTHER_TAGS.items()}


def esc(text: str) -> str:
    """Escape free text for element content; refuse characters XML 1.0 cannot carry."""
    if _NEEDS_WORK.search(text) is None:
        return text
    if _NOT_XML.search(text) is not None:
        raise ValueError(f"text {text[:40]!r} contains characters XML cannot carry")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def leaf(w: list[str], q: str, text: str) -> None:
    """``<q>text</q>`` with ``text`` escaped."""
    w.append(f"<{q}>{esc(text)}</{q}>")


def format_float(value: float) -> str:
    """An xs:float / xs:decimal literal: ``3``, ``0.25``, ``1e+20`` (NaN and infinities refused)."""
    text = repr(float(value))
    if text[-2:] == ".0":
        return text[:-2]
    if not math.isfinite(value):
        raise ValueError(f"non-finite value {value!r} cannot be sent")
    return text


def format_bool(value: bool) -> str:
    return "true" if value else "false"


def date_time(w: list[str], q: str, value: datetime) -> None:
    """``<q><xcal:date-time>…</xcal:date-time></q>`` (xcal:dtstart and friends)."""
    w.append(f"<{q}><xcal:date-time>{format_datetime(value)}</xcal:date-time></{q}>")


def duration_prop(w: list[str], q: str, value: timedelta) -> None:
    """``<q><xcal:duration>PT1H</xcal:duration></q>`` (xcal:DurationPropType)."""
    w.append(f"<{q}><xcal:duration>{format_duration(value)}</xcal:duration></{q}>")


def response(w: list[str], value: Response) -> None:
    """ei:eiResponse: responseCode, responseDescription?, requestID (empty when None)."""
    w.append(f"<ei:eiResponse><ei:responseCode>{value.code:03d}</ei:responseCode>")
    if value.description is not None:
        leaf(w, "ei:responseDescription", value.description)
    leaf(w, "pyld:requestID", value.request_id or "")
    w.append("</ei:eiResponse>")


def target(w: list[str], value: Target, q: str = "ei:eiTarget") -> None:
    """An ei:EiTargetType element with the criteria in schema order (empty element when empty)."""
    if value.empty:
        w.append(f"<{q}/>")
        return
    w.append(f"<{q}>")
    others = value.others
    _other(w, others, "aggregatedPnode")
    for mrid in value.end_device_assets:
        w.append(f"<power:endDeviceAsset><power:mrid>{esc(mrid)}</power:mrid></power:endDeviceAsset>")
    _other(w, others, "meterAsset")
    _other(w, others, "pnode")
    _other(w, others, "serviceDeliveryPoint")
    for group_id in value.group_ids:
        leaf(w, "ei:groupID", group_id)
    _other(w, others, "groupName")
    for resource_id in value.resource_ids:
        leaf(w, "ei:resourceID", resource_id)
    for ven_id in value.ven_ids:
        leaf(w, "ei:venID", ven_id)
    for party_id in value.party_ids:
        leaf(w, "ei:partyID", party_id)
    w.append(f"</{q}>")


def _other(w: list[str], others: tuple[tuple[str, str], ...], kind: str) -> None:
    """Target.others of one kind.  Geometry kinds (serviceArea, serviceLocation) and
    transportInterface cannot be rebuilt from a string and are not written."""
    if not others:
        return
    q = TARGET_OTHER_QNAMES[kind]
    for other_kind, value in others:
        if other_kind != kind:
            continue
        if kind == "groupName":
            leaf(w, q, value)
        elif kind == "meterAsset":
            w.append(f"<{q}><power:mrid>{esc(value)}</power:mrid></{q}>")
        else:  # aggregatedPnode, pnode, serviceDeliveryPoint
            w.append(f"<{q}><power:node>{esc(value)}</power:node></{q}>")


def item_base(w: list[str], value: ItemBase) -> None:
    """An emix:itemBase substitute (power:powerReal, oadr:currencyPerKWh, ...)."""
    q = ITEM_QNAMES.get(value.kind)
    if q is None:
        raise ValueError(f"unknown itemBase kind {value.kind!r}")
    w.append(f"<{q}>")
    if value.kind in ns.POWER_ITEM_KINDS:
        leaf(w, "power:itemDescription", value.description)
        leaf(w, "power:itemUnits", value.units)
        leaf(w, "scale:siScaleCode", value.si_scale_code)
        if value.kind.startswith("power"):
            hertz = DEFAULT_HERTZ if value.hertz is None else value.hertz
            voltage = DEFAULT_VOLTAGE if value.voltage is None else value.voltage
            ac = format_bool(True if value.ac is None else value.ac)
            w.append(
                f"<power:powerAttributes><power:hertz>{format_float(hertz)}</power:hertz>"
                f"<power:voltage>{format_float(voltage)}</power:voltage><power:ac>{ac}</power:ac>"
                "</power:powerAttributes>"
            )
    else:
        leaf(w, "oadr:itemDescription", value.description)
        leaf(w, "oadr:itemUnits", value.units)
        if value.kind == "pulseCount":
            factor = 1.0 if value.pulse_factor is None else value.pulse_factor
            w.append(f"<oadr:pulseFactor>{format_float(factor)}</oadr:pulseFactor>")
        else:
            leaf(w, "scale:siScaleCode", value.si_scale_code)
    w.append(f"</{q}>")
