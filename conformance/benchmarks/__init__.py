"""Benchmarks of the hot paths, parametrised by implementation, and the comparison of two implementations.

One implementation (the ``--impl`` of the properties)::

    pytest --pyargs conformance.benchmarks --impl transformers --benchmark-only

Two implementations measured in one session, with a report (``bench.json``, ``bench.md``)::

    s2t-conformance bench --impl reference --impl transformers --report reports/bench [--quick]

The benchmark files are named ``bench_*.py`` so that a property run (``pytest --pyargs conformance``)
never collects them; ``conftest.py`` collects them when benchmarks are asked for (the package named
on the command line, ``--benchmark-only``, or ``s2t-conformance bench``). In them, each benchmark is a
``test_*`` function taking the ``runner`` fixture (:class:`~conformance.benchmarks.runner.HotPathRunner`).
Each hot path is also timed, interleaved, against its floor (:mod:`conformance.benchmarks.floors`).
"""
