"""Batches: many inputs, one call, on Dask distributed (or a local pool), resumable.

- :func:`run_batch` (``posecoach batch``): find the inputs, skip the finished ones, run the
  rest on an engine, commit each input's results as it arrives, write the summary;
- :mod:`~posecoach.app.batch.inputs` (files, folders, globs), :mod:`~.task` (one input's
  work on a worker), :mod:`~.engines` (Dask, process pool, inline), :mod:`~.resume`
  (content keys and records), :mod:`~.summary` (summary.csv / summary.json),
  :mod:`~.sessions` (batch sessions into the store);
- :func:`extract_batch`: the former extraction-only process pool (kept: the benchmark's
  baseline).
"""

from posecoach.app.batch.engines import engine_names, get_engine
from posecoach.app.batch.inputs import BatchInput, find_inputs
from posecoach.app.batch.pool import BatchItem, extract_batch, output_names
from posecoach.app.batch.runner import BatchReport, run_batch
from posecoach.app.batch.summary import Row

__all__ = [
    "BatchInput",
    "BatchItem",
    "BatchReport",
    "Row",
    "engine_names",
    "extract_batch",
    "find_inputs",
    "get_engine",
    "output_names",
    "run_batch",
]
