"""Realistic demo data at scale around the imported question bank (`manage.py generate_demo_data`)."""

from .finish import demo_data_summary, reset_demo_data
from .run import DEMO_PASSWORD, SCALES, Counts, DemoDataError, generate_demo_data

__all__ = [
    "DEMO_PASSWORD",
    "SCALES",
    "Counts",
    "DemoDataError",
    "demo_data_summary",
    "generate_demo_data",
    "reset_demo_data",
]
