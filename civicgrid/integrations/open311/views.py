"""Open311 GeoReport v2 (/open311/v2/, https://wiki.open311.org/GeoReport_v2/): other systems list
the problem categories, report problems into the problem-flow centre and follow them. Plain views,
since the spec's `.json` / `.xml` suffixes and form-encoded POST are not the JSON API's; each view
only translates between the wire (wire.py) and the existing services and selectors.

Decisions
---------
* Authentication is the platform's API key only (made at /integrations/keys/): the `api_key` parameter
  as the spec says, or the `X-API-Key` header as on the JSON API (it keeps the key out of URLs and
  access logs). A browser session is never used: the POST is csrf_exempt, so honouring a session cookie
  would let any web page report in a signed-in staff member's name. No key, a wrong one or a revoked
  one: 403; past the key's rate: 429 with Retry-After. The call acts as the key's service account.
* Privacy: `services` and `services/{code}` are public (the category list is no secret). The spec lets
  `GET requests`, `requests/{id}` and `tokens/{token}` go without a key; here they need one, and show
  only the cases the key's role and unit may see (cases.selectors.cases_for) — another place's request
  is the same 404 as one that does not exist, and absent from lists. The reporter is never shown;
  phone and ID numbers in the description and notes are masked (core.logmask.mask_personal), since a
  key never holds a role that sees personal data in full.
* Reporter's personal data in a POST (`email`, `first_name`, `last_name`, `phone`, `device_id`,
  `account_id`) is dropped, not stored: a case has no place for it and the reporter is the key's
  service account. `address_id` is ignored (no master address repository) and `media_url` too (the
  platform does not fetch remote files; photos are uploaded, and checked, through the pages and the
  JSON API). Categories have no attributes, so every service has `metadata` false and `attribute[…]`
  fields are ignored; `services/{code}` still answers each active service with an empty attribute list
  (404 for an unknown or retired code).
* A location is a point: the grid (and so who handles the request) comes from lat/long, as for every
  other channel; with only an address the service refuses (no geocoder). `service_code` missing: 400;
  unknown: 404; every other refusal of cases.services.case_report: 400 with its messages.
* `service_request_id` is the case number (编号, e.g. 202611020000042) — the one staff and residents
  see — everywhere: answers (a string in JSON), the `service_request_id` filter and `requests/{id}`.
* Services are `realtime`: a POST answers the service_request_id at once (201; no token, no
  account_id). A client may send an `Idempotency-Key` header (a UUID): a repeated POST with the same key
  answers the first request (200) instead of reporting twice, and `tokens/{that key}` gives its
  service_request_id — the way back for a client that lost the answer. Tokens are the key's own.
* `status` is closed for closed and merged cases, open otherwise; `status_notes` the latest note of a
  timeline entry that answers the request (resolved, closed, rejected, reopened, dispute upheld,
  merged), else the outcome; `agency_responsible` the holding unit; `service_notice` the category's time
  limits; `expected_datetime` the resolution deadline once someone holds the case (null before);
  `updated_datetime` the closing time of a closed case, else its latest timeline entry. Date-times are
  Beijing time with the offset. `address_id`, `zipcode` and `media_url` are not returned.
* `GET requests`: the most recent 90 days by default, a range of at most 90 days, newest first, at most
  1000; `service_request_id` (comma list) overrides the other filters.
* `jurisdiction_id` may be left out; if sent it must be settings.OPEN311_JURISDICTION_ID, else 404.
"""

from datetime import timedelta
from decimal import Decimal
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from civicgrid.cases import selectors as case_selectors
from civicgrid.cases.choices import Channel, Outcome
from civicgrid.cases.models import Case, SlaPolicy
from civicgrid.cases.services import case_report, may_report
from civicgrid.core import clock
from civicgrid.core.errors import DomainError, Forbidden, NotFound, RateLimited
from civicgrid.core.idempotency import once, parse_key
from civicgrid.core.logmask import mask_personal
from civicgrid.integrations.services import key_account
from civicgrid.org.selectors import user_can

from . import selectors, wire

MAX_SPAN = timedelta(days=90)
RETRY_AFTER_S = 60  # keys are counted in one-minute windows
STATUSES = ("open", "closed")


def _jurisdiction() -> str:
    return settings.OPEN311_JURISDICTION_ID


def _param(request, name: str) -> str:
    """A parameter from the form body (POST) or the query string; empty when absent."""
    value = request.POST.get(name) if request.method == "POST" else None
    return (value or request.GET.get(name) or "").strip()


def endpoint(*, methods: tuple[str, ...] = ("GET",), key: bool = True):
    """The checks every endpoint shares, in the spec's terms: the method, jurisdiction_id, the API key
    (403 / 429) — then the view, whose refusals become the spec's error list."""

    def decorate(view):
        @wraps(view)
        def run(request, format: str, **kwargs):
            if request.method not in methods:
                return wire.errors(
                    format, 405, _("不支持该请求方法。"), headers={"Allow": ", ".join(methods)}
                )
            jurisdiction = _param(request, "jurisdiction_id")
            if jurisdiction and jurisdiction != _jurisdiction():
                return wire.errors(
                    format, 404, _("未找到辖区 jurisdiction_id=%(id)s。") % {"id": jurisdiction}
                )
            account = None
            if key:
                try:
                    account = key_account(_param(request, "api_key") or request.headers.get("X-API-Key"))
                except RateLimited as error:
                    return wire.errors(
                        format, 429, error.message, headers={"Retry-After": str(RETRY_AFTER_S)}
                    )
                if account is None:
                    return wire.errors(format, 403, _("缺少 api_key，或 api_key 无效、已吊销。"))
                request.user = account  # so whatever records "who" (history, audit) names the key
            try:
                return view(request, format, account, **kwargs)
            except ValidationError as error:
                return wire.errors(format, 400, error.messages)
            except DomainError as error:
                status = error.status if error.status in (403, 404, 429) else 400
                return wire.errors(format, status, error.message)

        return login_not_required(csrf_exempt(run))

    return decorate


# ---------------------------------------------------------------------------------------- services


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _notice(policy: SlaPolicy) -> str:
    """What to expect, from the category's time limits (限时办结)."""
    text = _("%(policy)s：受理后 %(claim)s 小时内领办或派单，%(resolve)s 小时内办结") % {
        "policy": policy.name,
        "claim": _hours(policy.claim_hours),
        "resolve": _hours(policy.resolve_hours),
    }
    return text + (_("（按工作日计）") if policy.working_days else "") + "。"


@endpoint(key=False)
def services(request, format, account):
    data = [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": _notice(category.policy),
            "metadata": False,
            "type": "realtime",
            "keywords": ", ".join(category.keywords) or None,
            "group": None,
        }
        for category in selectors.services()
    ]
    return wire.answer(format, "services", data)


@endpoint(key=False)
def service(request, format, account, service_code: str):
    try:
        category = selectors.service(service_code)
    except NotFound:
        return wire.errors(format, 404, _("未找到服务类别 service_code=%(code)s。") % {"code": service_code})
    return wire.answer(format, "service_definition", {"service_code": category.code, "attributes": []})


# ---------------------------------------------------------------------------------------- requests


def _request(case: Case) -> dict:
    closed = case.status in selectors.CLOSED_STATUSES
    note = case.public_note or (Outcome(case.outcome).label if case.outcome else "")
    return {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": mask_personal(str(note)) or None,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": mask_personal(case.description),
        "agency_responsible": case.holder.name if case.holder_id else None,
        "service_notice": _notice(case.policy),
        "requested_datetime": wire.w3c(case.reported_at),
        "updated_datetime": wire.w3c(
            (case.closed_at if closed else None) or case.last_event_at or case.reported_at
        ),
        "expected_datetime": wire.w3c(case.resolve_due_at),
        "address": case.address or None,
        "lat": case.lat,
        "long": case.lng,
    }


def _list(request, name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _param(request, name).split(",") if part.strip())


def _moment(request, name: str):
    value = _param(request, name)
    if not value:
        return None
    try:
        return wire.parse_w3c(value)
    except ValueError:
        raise ValidationError(
            {name: [_("%(name)s 须为 W3C 格式的日期时间，例如 2026-11-02T09:00:00+08:00。") % {"name": name}]}
        ) from None


def _query(request) -> selectors.RequestFilter:
    numbers = _list(request, "service_request_id")
    if numbers:
        return selectors.RequestFilter(numbers=numbers[: selectors.MAX_REQUESTS])
    statuses = _list(request, "status")
    errors = []
    if set(statuses) - set(STATUSES):
        errors.append(_("status 只能是 open 或 closed（可用逗号分隔）。"))
    start, end = _moment(request, "start_date"), _moment(request, "end_date")
    if start is None and end is None:
        start = clock.now() - MAX_SPAN
    elif start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    elif start > end:
        errors.append(_("start_date 不能晚于 end_date。"))
    elif end - start > MAX_SPAN:
        errors.append(_("查询的时间范围不能超过 90 天。"))
    if errors:
        raise ValidationError(errors)
    return selectors.RequestFilter(
        codes=_list(request, "service_code"), start=start, end=end, statuses=statuses
    )


def _point(request) -> tuple[float | None, float | None]:
    lat, lng = request.POST.get("lat", "").strip(), request.POST.get("long", "").strip()
    if not lat and not lng:
        return None, None  # the service says a place is needed
    try:
        return float(lat), float(lng)
    except ValueError:
        raise ValidationError({"lat": [_("lat 和 long 须同时提供，且为 WGS84 经纬度数值。")]}) from None


def _report(request, format, account):
    code = request.POST.get("service_code", "").strip()
    if not code:
        raise ValidationError({"service_code": [_("缺少 service_code（服务类别代码）。")]})
    category = case_selectors.active_category(code)
    if category is None:
        return wire.errors(format, 404, _("未找到服务类别 service_code=%(code)s。") % {"code": code})
    if not user_can(account, "cases.report") or not may_report(account, category):
        raise Forbidden()
    lat, lng = _point(request)
    idempotency_key = parse_key(request.headers.get("Idempotency-Key"))

    def make() -> Case:
        return case_report(
            actor=account,
            channel=Channel.OPEN311,
            category=category,
            description=request.POST.get("description", ""),
            lat=lat,
            lng=lng,
            address=request.POST.get("address_string", ""),
        )

    case, created = once(
        user=account, key=idempotency_key, kind=selectors.SUBMISSION_KIND, model=Case, make=make
    )
    data = [{"service_request_id": case.number, "service_notice": _notice(case.policy)}]
    return wire.answer(format, "service_requests", data, status=201 if created else 200)


@endpoint(methods=("GET", "POST"))
def requests(request, format, account):
    if request.method == "POST":
        return _report(request, format, account)
    cases = selectors.requests_for(account, _query(request))
    return wire.answer(format, "service_requests", [_request(case) for case in cases])


@endpoint()
def request_detail(request, format, account, service_request_id: str):
    try:
        case = selectors.request_for(account, service_request_id)
    except NotFound:
        return wire.errors(format, 404, _("未找到该服务请求，或该密钥无权查看。"))
    return wire.answer(format, "service_requests", [_request(case)])


@endpoint()
def token(request, format, account, token: str):
    try:
        case = selectors.request_for_token(account, token)
    except NotFound:
        return wire.errors(format, 404, _("未找到该令牌（token），或它不属于该密钥。"))
    return wire.answer(format, "service_requests", [{"service_request_id": case.number, "token": token}])
