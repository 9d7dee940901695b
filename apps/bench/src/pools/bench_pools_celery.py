"""Python Celery 5.2 side of the pools benchmark: a no-op task on Redis, results ignored, JSON.

Environment: BENCH_CELERY_BROKER (redis://127.0.0.1:6379/14), BENCH_QUEUE.
Enqueue:  /usr/bin/python3 bench_pools_celery.py enqueue <count>
Worker:   /usr/bin/python3 -m celery -A bench_pools_celery worker -P prefork -c 2 -Q $BENCH_QUEUE
"""
import os
import sys

from celery import Celery

app = Celery("bench", broker=os.environ.get("BENCH_CELERY_BROKER", "redis://127.0.0.1:6379/14"))
app.conf.update(
    task_default_queue=os.environ.get("BENCH_QUEUE", "celery"),
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    worker_hijack_root_logger=False,
)


@app.task(name="bench.noop")
def noop():
    return None


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "enqueue":
        with app.producer_or_acquire() as producer:
            for _ in range(int(sys.argv[2])):
                noop.apply_async(producer=producer)
    else:
        sys.exit(__doc__)
