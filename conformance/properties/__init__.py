"""Conformance properties, one ``test_*`` function per property id (see :mod:`conformance.registry`)."""
