from civicgrid.cases.tests.conftest import flow  # noqa: F401
