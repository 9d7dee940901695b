"""Python Celery 5.2 side of the AMQP benchmark: a no-op task, results ignored, JSON.

Environment: BENCH_AMQP_URL, BENCH_QUEUE.
Enqueue:  /usr/bin/python3 bench_celery_app.py enqueue <count>   -> prints the seconds it took
Worker:   /usr/bin/python3 -m celery -A bench_celery_app worker -P prefork -c 2 -Q $BENCH_QUEUE
"""
import os
import sys
import time

from celery import Celery

app = Celery("bench", broker=os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"))
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
        count = int(sys.argv[2])
        started = time.perf_counter()
        with app.producer_or_acquire() as producer:
            for _ in range(count):
                noop.apply_async(producer=producer)
        print(time.perf_counter() - started)
    else:
        sys.exit(__doc__)
