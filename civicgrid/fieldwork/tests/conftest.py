"""Workbench fixtures: the registry's two households (grid A1 and B1) and the case categories."""

import pytest

from civicgrid.cases.tests.conftest import flow  # noqa: F401
from civicgrid.registry.tests.conftest import registry  # noqa: F401


@pytest.fixture
def policy_library(db):
    """The demo policy library (10 lines, the written items and their documents)."""
    from civicgrid.fieldwork.demo import load_policy_library

    load_policy_library()
