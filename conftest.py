pytest_plugins = [
    "civicgrid.core.testing",
    "civicgrid.core.testing_browser",
    "civicgrid.core.tests.faults_support",
]
