"""Deliberately broken implementations: one defect each, each caught by a named property.

Each module here defines ``CASES: list[BrokenCase]``; ``tests/test_broken_implementations.py``
checks that every case fails the property it names, and that every required property catches at
least one case.
"""
