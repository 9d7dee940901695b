"""Python Celery 5.2 side of the canvas benchmark: a chord of no-op header tasks into a counting body.

Environment: BENCH_CELERY_BROKER, BENCH_CELERY_BACKEND (Redis URLs, own db numbers), BENCH_QUEUE.
Worker:  /usr/bin/python3 -m celery -A bench_canvas_celery worker -P prefork -c 2 -Q $BENCH_QUEUE
Client:  /usr/bin/python3 bench_canvas_celery.py chord <header size> <runs>
         -> one JSON line per run: {"seconds": applyAsync-to-body-result, "value": body result}
"""
import json
import os
import sys
import time

from celery import Celery, chord

app = Celery("bench_canvas", broker=os.environ["BENCH_CELERY_BROKER"], backend=os.environ["BENCH_CELERY_BACKEND"])
app.conf.update(
    task_default_queue=os.environ.get("BENCH_QUEUE", "celery"),
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task(name="bench.noop")
def noop():
    return None


@app.task(name="bench.count")
def count(results):
    return len(results)


def run_chords(size, runs):
    # A warm-up chord, so the worker pool and connections are up before the clock runs.
    chord([noop.s() for _ in range(2)])(count.s()).get(timeout=120)
    for _ in range(runs):
        started = time.perf_counter()
        result = chord([noop.s() for _ in range(size)])(count.s())
        value = result.get(timeout=600)
        print(json.dumps({"seconds": time.perf_counter() - started, "value": value}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "chord":
        run_chords(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)
