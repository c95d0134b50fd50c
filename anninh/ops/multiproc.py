"""Prometheus multiprocess mode for the Rasa server, its Sanic workers and its Zalo turn processes.

prometheus-client aggregates the metrics of several processes when every one of them writes its
values into one folder named by ``PROMETHEUS_MULTIPROC_DIR``, set before prometheus_client is first
imported. ``prepare()`` is called when the Rasa server loads our channels, before anything imports
prometheus_client: without the variable it makes a fresh temporary folder (removed at exit), which
the Sanic workers and the turn processes inherit through the environment. Nothing here imports
prometheus_client.
"""
from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
logger = logging.getLogger(__name__)


def prepare() -> str:
    """The metrics folder of this process group (made when none is configured)."""
    from anninh.settings import AssistantSettings

    folder = AssistantSettings().prometheus_multiproc_dir
    if folder:
        os.makedirs(folder, exist_ok=True)
        return folder
    if "prometheus_client.values" in sys.modules:
        logger.warning("metrics: prometheus_client was imported before %s was set; the turn "
                       "processes' metrics are not included in /metrics", VARIABLE)
        return ""
    folder = tempfile.mkdtemp(prefix="anninh-metrics-")
    os.environ[VARIABLE] = folder
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:  # not in forked Sanic workers
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    return folder
