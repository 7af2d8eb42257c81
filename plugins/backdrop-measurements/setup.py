"""backdrop-measurements: a Backdrop bucket type for numeric measurements."""
from setuptools import setup

setup(
    name="backdrop-measurements",
    version="0.1.0",
    description="Backdrop bucket type 'measurements': timestamped records with a numeric value",
    py_modules=["backdrop_measurements"],
    python_requires=">=3.11",
    install_requires=["backdrop"],
    entry_points={"backdrop": ["measurements = backdrop_measurements"]},
)
