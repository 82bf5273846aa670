"""Problem-flow fixtures reused by the cockpit tests."""

from civicgrid.cases.tests.conftest import flow  # noqa: F401
