"""backdrop-wide-to-long: a Backdrop upload filter for wide spreadsheets."""
from setuptools import setup

setup(
    name="backdrop-wide-to-long",
    version="0.1.0",
    description=(
        "Backdrop upload filter 'wide_to_long': one column per metric becomes "
        "one record per date and metric"
    ),
    py_modules=["backdrop_wide_to_long"],
    python_requires=">=3.11",
    install_requires=["backdrop"],
    entry_points={"backdrop": ["wide_to_long = backdrop_wide_to_long"]},
)
