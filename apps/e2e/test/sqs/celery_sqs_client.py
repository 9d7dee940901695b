"""Python side of the SQS interop test: Celery 5.2 / kombu 5.2's own SQS transport, on boto3 and pycurl.

Run with Debian's /usr/bin/python3 (python3-celery, python3-boto3, python3-pycurl). boto3 1.26 speaks
SQS's query protocol (form-encoded, XML answers); the emulator speaks it too.

Environment: SQS_ENDPOINT (http://127.0.0.1:PORT), SQS_PREFIX (queue_name_prefix), E2E_REDIS_URL (results).
  python3 celery_sqs_client.py send <queue> <x> <y>   -> sends tasks.add(x, y), waits for its result, prints JSON
  python3 celery_sqs_client.py receive <queue>        -> takes one message with kombu, acks it, prints JSON
  python3 -m celery -A celery_sqs_client worker -Q <queue> -P solo
                                                      -> a Celery worker on SQS running tasks.mul and tasks.fail
"""
import json
import os
import sys
from urllib.parse import urlparse

from celery import Celery
from kombu import Connection

# The shared task definitions live with the other Celery fixtures.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from celery_tasks import register  # noqa: E402

endpoint = urlparse(os.environ["SQS_ENDPOINT"])
# kombu reads the endpoint from the URL's host and port, and credentials from its user info (dummy ones: the emulator checks none).
broker_url = f"sqs://test:test@{endpoint.hostname}:{endpoint.port}"
transport_options = {"region": "us-east-1", "queue_name_prefix": os.environ["SQS_PREFIX"], "is_secure": False, "wait_time_seconds": 1}

app = Celery("sqs-e2e", broker=broker_url, backend=os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379/0"))
app.conf.update(
    broker_transport_options=transport_options,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
)
register(app, "tasks.mul", "tasks.fail")


def send(queue, x, y):
    result = app.send_task("tasks.add", args=(x, y), queue=queue)
    print(json.dumps({"id": result.id, "result": result.get(timeout=30)}))


def receive(queue):
    with Connection(broker_url, transport_options=transport_options) as connection:
        simple = connection.SimpleQueue(queue)
        message = simple.get(block=True, timeout=20)
        args, kwargs, embed = message.decode()
        message.ack()
        simple.close()
    print(json.dumps({"task": message.headers["task"], "id": message.headers["id"], "args": args, "kwargs": kwargs, "content_type": message.content_type}))


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        receive(sys.argv[2])
