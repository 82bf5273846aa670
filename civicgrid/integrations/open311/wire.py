"""The GeoReport v2 wire format: answers in JSON or XML (the Spark convention: one mapping for both),
the spec's error lists, and its date-times (W3C ISO 8601, always with the offset)."""

import json
import xml.etree.ElementTree as ET  # nosec B405 — builds XML only, never parses what a client sent
from datetime import datetime
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone

JSON = "json"
XML = "xml"
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Beijing time: the platform's time zone, and the one case numbers are dated in.
SHANGHAI = ZoneInfo("Asia/Shanghai")
# In XML a list is an element holding one child per item: the child's name, by the list's name.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}


def w3c(moment: datetime | None) -> str | None:
    """2026-11-02T09:00:00+08:00: Beijing time with its offset, to the second."""
    if moment is None:
        return None
    return timezone.localtime(moment, SHANGHAI).isoformat(timespec="seconds")


def parse_w3c(value: str) -> datetime:
    """A W3C date-time (or date) as an aware datetime; one without an offset is taken as Beijing time.
    ValueError when it is not one."""
    moment = datetime.fromisoformat(value.strip())
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, name: str, value) -> None:
    """`value` as the content of `element` (named `name`): a mapping's items, a list's items, or text."""
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, list):
        tag = ITEM_TAGS[name]
        for item in value:
            _fill(ET.SubElement(element, tag), tag, item)
    elif value is not None:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, root, data)
    return XML_DECLARATION + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def answer(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """`data` (a list, or a mapping for a service definition) under the XML root element `root`."""
    body = to_xml(root, data) if fmt == XML else json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, descriptions, *, headers: dict | None = None) -> HttpResponse:
    """The spec's error list: one {code, description} per message; the code is the HTTP status."""
    if isinstance(descriptions, str):
        descriptions = [descriptions]
    data = [{"code": status, "description": str(text)} for text in descriptions]
    response = answer(fmt, "errors", data, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
