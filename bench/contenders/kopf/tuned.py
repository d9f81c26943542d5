"""Kopf 1.44, tuned for throughput the way its documentation suggests.

The same handler as default.py, plus settings (kopf.on.startup, docs: "Configuration"):
- posting.enabled = False: no k8s Events for handler results (saves two POSTs per object);
- execution.max_workers = 100: the sync handler runs in a thread pool, default min(32, cpu+4);
- queueing.worker_limit stays None (unlimited per-object workers, already the default);
- watching.server_timeout / client_timeout are for stalled watches, irrelevant here; unchanged.
The runner also starts this variant with uvloop importable (Kopf's CLI uses it when installed,
docs: "Installation") and with --quiet (INFO logs of every handled object are not free in Python).
"""
import kopf

from bench_handlers import created  # noqa: F401  (registers the handler)


@kopf.on.startup()
def tune(settings: kopf.OperatorSettings, **_):
    settings.posting.enabled = False
    settings.execution.max_workers = 100
