"""Kopf 1.44 contender handler: one create handler returning a small result (status.created)."""
import os
import threading
import time

import kopf

_count = 0
_lock = threading.Lock()


@kopf.on.create('benchobjects.bench.kopf.dev')
def created(**_):
    global _count
    with _lock:
        _count += 1
    return {'message': 'ok'}


# Bench plumbing, not operator logic: publish the number of handler runs so the runner can verify
# that a restarted operator ran no handlers. A daemon thread writes it every 200 ms.
def _publish() -> None:
    path = os.environ.get('BENCH_COUNTER_FILE')
    if not path:
        return
    last = -1
    while True:
        if _count != last:
            last = _count
            with open(path + '.tmp', 'w') as f:
                f.write(str(last))
            os.replace(path + '.tmp', path)
        time.sleep(0.2)


threading.Thread(target=_publish, daemon=True).start()
