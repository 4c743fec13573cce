"""End-to-end tests of the installed product (see conftest.py)."""
