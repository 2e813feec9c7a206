"""These tests run under ``mpiexec -n 2 python -m pytest tests/distributed`` (tests/test_pmap.py
launches that when MPI is installed); collected without a launcher, they skip."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))  # tests/conftest.py's compile cache

from functrans import distributed  # noqa: E402


HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(config, items):
    # The hook sees the whole session's items: only this directory's need a job.
    ours = [item for item in items if str(item.path).startswith(HERE + os.sep)]
    if not ours:
        return
    distributed.initialize()
    if distributed.process_count() < 2:
        skip = pytest.mark.skip(reason="needs an MPI job of 2 or more processes: mpiexec -n 2 python -m pytest tests/distributed")
        for item in ours:
            item.add_marker(skip)


def pytest_runtest_makereport(item, call):
    # A test failing on one process would leave the others waiting in its next collective.
    if call.excinfo is not None and call.when == "call" and distributed.process_count() > 1:
        distributed.abort(f"{item.nodeid} failed: {call.excinfo.exconly()}")
