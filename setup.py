"""Backdrop: a small open datastore for performance data."""
from setuptools import find_packages, setup

requires = [
    "pyramid>=2.0",
    "pyramid_services>=2.2",
    "waitress>=2.1",
    "pymongo>=4.17",
    "colander>=2.0",
    "python-dateutil>=2.8",
    "velruse>=1.1.1",
    "requests>=2.31",
    "pluggy>=1.3",
    "zope.interface>=6.0",
    "openpyxl>=3.1",
    "xlrd>=2.0",
    "tqdm>=4.60",
    "pyramid_chameleon>=0.3",
    "duckdb>=2.0",
    "pyarrow>=15",
    "adbc-driver-sqlite>=1.0",  # the bulk feed helper: a whole bucket into Arrow in C
    "orjson>=3.9",
    "multipart>=1.2",
    # openpyxl reads XML with it when installed; declared, not left to chance.
    "defusedxml>=0.7",
    "prometheus_client>=0.20",
    # IANA time-zone rules for zoneinfo where the system has none (timezone=...).
    "tzdata>=2024.1",
]

tests_require = [
    "pytest>=7.4",
    "WebTest>=3.0",
    "mongomock>=4.1",
    "hypothesis>=6.90",
    "ruff>=0.4",
    "psutil>=5.9",
    "selenium>=4.15",
    # GET /_openapi.json is checked by these: the OpenAPI 3.1 schema, and a fuzzer.
    "openapi-spec-validator>=0.9",
    "schemathesis>=4.32",
]

setup(
    name="backdrop",
    version="0.1.0",
    description="A datastore for performance data: write JSON records, read aggregates.",
    packages=find_packages(exclude=["tests", "tests.*", "bench"]),
    include_package_data=True,
    package_data={"backdrop": ["admin/templates/*.pt", "admin/static/*", "admin/static/vendor/*"]},
    zip_safe=False,
    python_requires=">=3.11",
    install_requires=requires,
    extras_require={"testing": tests_require},
    entry_points={
        "paste.app_factory": ["main = backdrop:main"],
        "console_scripts": ["backdrop = backdrop.cli:main"],
    },
)
