"""Fuzz the JSON API with schemathesis: every operation of the OpenAPI document, called with generated
requests as three callers (anonymous, a grid worker, a platform admin), never answers 5xx and always
answers as the document says (a documented status code, the declared content type and body shape).

The schema is loaded in-process from the Django WSGI application (`schemathesis.openapi.from_wsgi`)
and every request goes through the whole middleware stack, CSRF check included. Each operation gets
`FUZZ_EXAMPLES` generated cases per caller (default below; raise it for a longer local run):
valid and invalid requests (schemathesis' positive and negative modes), half of them aimed at real
objects of a small world in community A / grid A1 (the access-matrix test's world), the rest at
generated ids. Generation is derandomized, so a run is repeatable.

With `SECURITY_FIGURES_DIR` set, the counts go to scripts/security-figures (core.testing.record_figure).

Run: `FUZZ_EXAMPLES=50 pytest -s civicgrid/core/tests/test_api_fuzz.py`.
"""

import collections
import enum
import json
import os
import re
import traceback
import typing
from contextlib import contextmanager
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import BaseModel
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from civicgrid.api import api
from civicgrid.cases.api import ACTIONS
from civicgrid.core import clock
from civicgrid.core.api import ApiError
from civicgrid.core.testing import build_tree, log_in, record_figure

from .test_access_matrix import _build, _personas

pytestmark = pytest.mark.django_db

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
OPENAPI_PATH = "/api/v1/openapi.json"
# Caller → persona of the world (None: no session). `FUZZ_CALLERS=resident,community_head_a` adds more
# of the access matrix's personas for a longer local run.
CALLERS = {"anonymous": None, "grid_worker": "grid_worker_a", "platform_admin": "platform_admin"}
CALLERS |= {name: name for name in filter(None, os.environ.get("FUZZ_CALLERS", "").split(","))}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# A well-formed CSRF secret sent as cookie and header, as a browser page's script would.
CSRF_TOKEN = "civicgridFuzzCsrfToken0123456789"  # nosec B105
# Path parameters that name no object id, with the values worth aiming at.
NAMED_VALUES = {"action": sorted(ACTIONS)}

# What the fuzzing tests of this run did, for the summary line and `fuzz.json`.
TOTALS: dict[str, typing.Any] = {"cases": 0, "server_errors": 0, "statuses": collections.Counter()}
OPERATIONS: set[str] = set()
RECORDED = {"cases": 0, "server_errors": 0}
CALLERS_RUN: set[str] = set()


# ---------------------------------------------------------------- the schema's component names


def _schema_classes() -> dict[str, set[type]]:
    """Every model and enum the operations take or answer, nested ones included, by component name."""
    found: dict[str, set[type]] = collections.defaultdict(set)

    def walk(annotation) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel | enum.Enum):
            if annotation in found[annotation.__name__]:
                return
            found[annotation.__name__].add(annotation)
            for model_field in getattr(annotation, "model_fields", {}).values():
                walk(model_field.annotation)
            return
        for argument in typing.get_args(annotation):
            walk(argument)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                # The parameter models are flattened into parameters; their fields' types are components.
                for params in operation.models:
                    for model_field in params.model_fields.values():
                        walk(model_field.annotation)
                for response in operation.response_models.values():
                    if response is not None:
                        walk(response.model_fields["response"].annotation)
    return found


def _shape(cls: type) -> str:
    if issubclass(cls, enum.Enum):
        return json.dumps([member.value for member in cls])
    return json.dumps(cls.model_json_schema(), sort_keys=True, default=str)


def test_every_schema_component_name_is_unique():
    """Ninja names a component after its class and silently keeps the last of two with one name, so
    one operation would be documented with another's body."""
    classes = _schema_classes()
    # Ninja makes a `Paged<Item>` class per paginated operation: copies of one shape are no clash.
    clashes = {
        name: sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in found)
        for name, found in classes.items()
        if len({_shape(cls) for cls in found}) > 1
    }
    assert not clashes, f"Classes sharing an OpenAPI component name: {clashes}"
    components = set(api.get_openapi_schema()["components"]["schemas"])
    assert components == {*classes, ApiError.__name__}


@pytest.mark.parametrize(
    "query",
    [
        "limit=20620861712678145490944",
        "offset=9223372036854775808",
        "limit=501",
        "community=-3823772760115014270976",
        "community=9223372036854775808",
    ],
)
def test_integers_past_the_databases_range_are_refused_not_a_server_error(client, personas, query):
    """Found by fuzzing: Ninja's limit/offset paging took any integer, and an offset + limit past the
    64-bit range failed the query; so did an id past it in a foreign-key filter on SQLite (500)."""
    log_in(client, personas.grid_worker_a)
    response = client.get(f"/api/v1/market/listings?{query}")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_a_time_with_an_offset_postgresql_cannot_store_keeps_its_instant(client, world):
    """Found by fuzzing on PostgreSQL: a date-time written with an offset past ±15:59 (ISO 8601 allows
    ±23:59) failed the insert with DataError (500)."""
    tree, users, _ids = world
    log_in(client, users["community_head_a"])
    starts = (clock.now() + timedelta(days=10)).replace(microsecond=0)
    offset = dt_timezone(timedelta(hours=17, minutes=58))
    body = {
        "unit_id": tree.community_a.pk,
        "title": "广场舞",
        "description": "一起跳。",
        "starts_at": starts.astimezone(offset).isoformat(),
        "ends_at": (starts + timedelta(hours=2)).astimezone(offset).isoformat(),
        "place": "广场",
        "capacity": 10,
    }
    response = client.post("/api/v1/activities", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert datetime.fromisoformat(response.json()["starts_at"]) == starts


def test_a_warning_level_without_its_time_limits_is_refused_not_a_server_error(client, world):
    """Found by fuzzing: grading a case with a level whose SlaPolicy (warning_I …) was not configured
    failed with SlaPolicy.DoesNotExist (500)."""
    _tree, users, ids = world
    log_in(client, users["department_staff"])
    response = client.post(
        f"/api/v1/cases/{ids['case_id']}/actions/set_warning", {"level": "I"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["level"]


# ---------------------------------------------------------------- calling the application


@contextmanager
def _in_test_transaction():
    """Serve requests through the WSGI handler inside the test's transaction: like Django's test
    client, keep the request signals from closing the connection, and keep each view's exception."""
    exceptions: list[str] = []

    def record(sender, request=None, **kwargs) -> None:
        path = request.get_full_path() if request is not None else "?"
        exceptions.append(f"{request.method if request else ''} {path}\n{traceback.format_exc()}")

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(record)
    try:
        yield exceptions
    finally:
        got_request_exception.disconnect(record)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _session_cookie(user) -> str:
    client = Client()
    log_in(client, user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _world_values(tree, users: dict, ids: dict) -> dict[str, list]:
    """Query and body fields that name the world's objects or a known code, with values worth trying."""
    from civicgrid.activities.choices import Audience
    from civicgrid.cases.choices import CaseStatus, Channel, Light, Outcome, WarningLevel
    from civicgrid.cases.models import Category
    from civicgrid.market.api import MODERATION
    from civicgrid.org.choices import UnitKind
    from civicgrid.polls.models import PollOption

    options = list(PollOption.objects.filter(poll_id=ids["poll_id"]).values_list("pk", flat=True))
    people = [users["resident"].pk, users["volunteer"].pk]
    return {
        **{name: [value] for name, value in ids.items() if name.endswith("_id")},
        "unit_id": [tree.community_a.pk, tree.street.pk, tree.grid_a1.pk],
        "grid_id": [tree.grid_a1.pk, tree.grid_b1.pk],
        "community": [tree.community_a.pk, tree.community_b.pk],
        "parent_id": [tree.street.pk, tree.community_a.pk],
        "target_id": [tree.department.pk, tree.agency.pk, tree.community_a.pk],
        "category_id": list(Category.objects.values_list("pk", flat=True)),
        "category": [*Category.objects.values_list("code", flat=True), "food", "culture"],
        "case_category": list(Category.objects.values_list("code", flat=True)),
        "user_ids": [people[:1], people],
        "option_ids": [options[:1], options],
        "decision": sorted(MODERATION),
        "level": list(WarningLevel.values),
        "outcome": list(Outcome.values),
        "status": list(CaseStatus.values),
        "channel": list(Channel.values),
        "light": list(Light.values),
        "kind": list(UnitKind.values),
        "audience": list(Audience.values),
    }


def _with_world_values(strategy, values: dict[str, list]):
    """The same requests with the fields that `values` names set to those values."""

    def aim(case):
        containers = [c for c in (case.query, case.body) if isinstance(c, dict)]
        names = sorted({name for c in containers for name in c if values.get(name)})
        if not names:
            return st.just(case)

        def apply(chosen: dict):
            for container in containers:
                container.update({name: value for name, value in chosen.items() if name in container})
            return case

        return st.fixed_dictionaries({name: st.sampled_from(values[name]) for name in names}).map(apply)

    return strategy.flatmap(aim)


def _strategy(operation, ids: dict, values: dict[str, list]):
    """Valid and invalid requests, half of them naming the world's objects in the path; the valid
    ones of that half name the world's objects and codes in the query and body too."""
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    names = re.findall(r"{(\w+)}", operation.path)
    choices = [NAMED_VALUES.get(name, [ids[name]] if name in ids else []) for name in names]
    for mode in modes:
        if names and all(choices):
            aimed = st.tuples(*(st.sampled_from(values) for values in choices)).flatmap(
                lambda chosen, mode=mode: operation.as_strategy(
                    generation_mode=mode, path_parameters=dict(zip(names, chosen, strict=True))
                )
            )
        else:
            aimed = operation.as_strategy(generation_mode=mode)
        strategies.append(_with_world_values(aimed, values) if mode == GenerationMode.POSITIVE else aimed)
    return st.one_of(strategies)


def _fuzz(operation, *, strategy, cookies: dict, exceptions: list[str], failures: list[str]) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    OPERATIONS.add(label)
    seen: set[str] = set()

    @hypothesis_settings(
        max_examples=FUZZ_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        before = len(exceptions)
        response = case.call(cookies=cookies, headers={"X-CSRFToken": CSRF_TOKEN})
        TOTALS["cases"] += 1
        TOTALS["statuses"][response.status_code] += 1
        if response.status_code >= 500:
            TOTALS["server_errors"] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            titles = sorted({failure.title for failure in group.exceptions})
            key = f"{response.status_code} {titles}"
            if key not in seen:
                seen.add(key)
                raised = "".join(exceptions[before:])
                failures.append(f"{label} → {response.status_code}: {titles}\n{group}\n{raised}")

    run()


@pytest.fixture
def world(db):
    """The access matrix's personas and objects (community A / grid A1), in this test's transaction.
    The department is the stability centre (综治办), whose staff may grade a case's warning level."""
    tree = build_tree(department="综治办")
    users = _personas(tree)
    return tree, users, _build(users, tree)["ids"]


@pytest.mark.parametrize("caller", list(CALLERS))
def test_generated_requests_get_no_5xx_and_answers_as_documented(caller, world):
    tree, users, ids = world
    values = _world_values(tree, users, ids)
    cookies = {settings.CSRF_COOKIE_NAME: CSRF_TOKEN}
    if CALLERS[caller] is not None:
        cookies[settings.SESSION_COOKIE_NAME] = _session_cookie(users[CALLERS[caller]])

    app = WSGIHandler()
    failures: list[str] = []
    CALLERS_RUN.add(caller)
    try:
        with _in_test_transaction() as exceptions:
            schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, app)
            for result in schema.get_all_operations():
                operation = result.ok()
                strategy = _strategy(operation, ids, values)
                _fuzz(operation, strategy=strategy, cookies=cookies, exceptions=exceptions, failures=failures)
    finally:
        _record(caller)
    assert not failures, f"{len(failures)} problem(s) as {caller}:\n\n" + "\n\n".join(failures)


def _record(caller: str) -> None:
    figures = {
        "operations": len(OPERATIONS),
        "cases": TOTALS["cases"],
        "server_errors": TOTALS["server_errors"],
        "database": connection.vendor,
        "callers": sorted(CALLERS_RUN),
        "examples_per_operation": FUZZ_EXAMPLES,
        "statuses": {str(code): n for code, n in sorted(TOTALS["statuses"].items())},
    }
    print(
        f"\nfuzz after {caller}: {figures['operations']} operations, {figures['cases']} cases, "
        f"{figures['server_errors']} 5xx; statuses {figures['statuses']}"
    )
    # scripts/security-figures adds these up: what this caller's run added since the last record.
    record_figure(
        "API fuzzing (schemathesis)",
        callers=1,
        cases=TOTALS["cases"] - RECORDED["cases"],
        server_errors=TOTALS["server_errors"] - RECORDED["server_errors"],
    )
    RECORDED.update(cases=TOTALS["cases"], server_errors=TOTALS["server_errors"])
