"""leodc: design, simulate and judge orbital AI data centers."""

__version__ = "0.1.0"
