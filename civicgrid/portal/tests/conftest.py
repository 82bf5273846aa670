from civicgrid.registry.tests.conftest import registry  # noqa: F401
