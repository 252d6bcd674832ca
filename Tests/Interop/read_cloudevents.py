"""Reads CLM's Kafka events as another language's consumer would (CloudEventsBindingTests).

    read_cloudevents.py BROKERS EXPECTED TOPIC...

Reads every partition of every TOPIC from its beginning with confluent-kafka (librdkafka, as CLM itself) until
EXPECTED messages have arrived or nothing more comes for 10 seconds. Each message goes to the
CloudEvents Python SDK's Kafka binding, which picks the content mode from the headers, and is
then checked as a CloudEvent: spec version 1.0, the required attributes, and CLM's extensions.
The last line printed is a JSON summary for the Swift test to judge.
"""

import json
import sys
import time
import uuid

from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka
from cloudevents.core.formats.json import JSONFormat
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition


def judge(message):
    """The message's problems as a list of strings (empty when it is a proper CloudEvent)."""
    headers = {name: value for name, value in (message.headers() or [])}
    problems = []
    content_type = headers.get("content-type", b"").decode("utf-8", "replace")
    if not content_type.startswith("application/cloudevents+json"):
        problems.append(f"content-type header is {content_type!r}")
    try:
        event = from_kafka(KafkaMessage(headers=headers, key=message.key(), value=message.value()), JSONFormat())
    except Exception as error:  # the SDK's own refusal is the finding
        return problems + [f"the SDK refused it: {type(error).__name__}: {error}"], None
    attributes = event.get_attributes()
    if attributes.get("specversion") != "1.0":
        problems.append(f"specversion {attributes.get('specversion')!r}")
    for name in ("id", "source", "type", "subject", "time", "realm"):
        if not attributes.get(name):
            problems.append(f"no {name}")
    if message.key() is not None and message.key().decode() != attributes.get("subject"):
        problems.append("the Kafka key is not the event's subject")
    if "traceparent" in headers and headers["traceparent"].decode() != attributes.get("traceparent"):
        problems.append("the traceparent header differs from the event's")
    if not isinstance(event.get_data(), dict):
        problems.append("data is not a JSON object")
    return problems, attributes.get("type")


def main():
    brokers, expected, topics = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": f"cloudevents-reader-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    # Every partition from its first offset, assigned directly: no group to join.
    partitions = []
    for topic in topics:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        partitions += [TopicPartition(topic, partition, OFFSET_BEGINNING) for partition in metadata.partitions]
    consumer.assign(partitions)
    summary = {"messages": 0, "events": 0, "types": {}, "problems": [], "traceparentHeaders": 0}
    last = time.monotonic()
    while summary["messages"] < expected and time.monotonic() - last < 10:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            summary["problems"].append(f"consumer error: {message.error()}")
            continue
        last = time.monotonic()
        summary["messages"] += 1
        if any(name == "traceparent" for name, _ in (message.headers() or [])):
            summary["traceparentHeaders"] += 1
        problems, event_type = judge(message)
        if event_type:
            summary["events"] += 1 if not problems else 0
            summary["types"][event_type] = summary["types"].get(event_type, 0) + 1
        for problem in problems:
            summary["problems"].append(f"{message.topic()}@{message.offset()}: {problem}")
    consumer.close()
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
