#!/usr/bin/env python3
"""A framework in another language: Mesos' v1 scheduler HTTP API from Python's standard library.

Subscribes to the master, runs one shell command as a task on the first offer that can hold it,
acknowledges every status update, declines other offers, and tears the framework down once the
task has ended. Exits 0 if the task finished, 1 otherwise (or on any error, with one line). The
task runs as --user (default: the user running this script; the agents switch to it with
--switch_user, so it must exist on their machines). Until an offer can hold the task it says, once,
what the first offer that could not lacked.

    python3 actors/framework/examples/v1_hello.py --master 127.0.0.1:5050 --command 'echo hello'

Nothing here is specific to this project: it speaks the API as Mesos documents it
(docs/scheduler-http-api.md), so it runs against Apache Mesos as well.
"""
import argparse
import getpass
import http.client
import json
import sys

TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST", "TASK_DROPPED", "TASK_GONE"}
# How long the client waits on a silent stream: the master sends HEARTBEAT every 15 s by default.
STREAM_READ_TIMEOUT_SECONDS = 60


def records(response):
    """Yields the JSON events of a RecordIO stream: '<length>\\n<record>' repeated."""
    while True:
        line = response.readline()
        if not line:
            return
        length = int(line.strip())
        yield json.loads(response.read(length))


def main():
    parser = argparse.ArgumentParser(description="Run one command as a task through the v1 scheduler HTTP API.")
    parser.add_argument("--master", required=True, help="host:port of the leading master")
    parser.add_argument("--command", required=True, help="shell command the task runs")
    parser.add_argument("--cpus", type=float, default=0.1)
    parser.add_argument("--mem", type=float, default=32)
    parser.add_argument("--user", default=getpass.getuser(),
                        help="OS user the task runs as (default: yours); it must exist on the agents' machines")
    args = parser.parse_args()
    host, port = args.master.rsplit(":", 1)

    stream = http.client.HTTPConnection(host, int(port), timeout=STREAM_READ_TIMEOUT_SECONDS)
    subscribe = {"type": "SUBSCRIBE", "subscribe": {"framework_info": {"user": args.user, "name": "v1-hello-python"}}}
    stream.request("POST", "/api/v1/scheduler", json.dumps(subscribe), {"Content-Type": "application/json", "Accept": "application/json"})
    response = stream.getresponse()
    if response.status != 200:
        sys.exit(f"v1_hello: SUBSCRIBE answered {response.status}: {response.read().decode()}")
    stream_id = response.getheader("Mesos-Stream-Id")
    framework_id = None
    launched = False
    explained = False

    def call(body):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("POST", "/api/v1/scheduler", json.dumps({"framework_id": framework_id, **body}),
                           {"Content-Type": "application/json", "Mesos-Stream-Id": stream_id})
        answer = connection.getresponse()
        text = answer.read().decode()
        connection.close()
        if answer.status != 202:
            sys.exit(f"v1_hello: {body['type']} answered {answer.status}: {text}")

    def scalar(offer, name):
        return sum(r.get("scalar", {}).get("value", 0) for r in offer["resources"] if r["name"] == name)

    for event in records(response):
        kind = event["type"]
        if kind == "SUBSCRIBED":
            framework_id = event["subscribed"]["framework_id"]
            print(f"subscribed as {framework_id['value']}", flush=True)
        elif kind == "OFFERS":
            for offer in event["offers"]["offers"]:
                if not launched and scalar(offer, "cpus") >= args.cpus and scalar(offer, "mem") >= args.mem:
                    launched = True
                    task = {
                        "name": "hello", "task_id": {"value": "hello"}, "agent_id": offer["agent_id"],
                        "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": args.cpus}},
                                      {"name": "mem", "type": "SCALAR", "scalar": {"value": args.mem}}],
                        "command": {"value": args.command},
                    }
                    call({"type": "ACCEPT", "accept": {"offer_ids": [offer["id"]], "operations": [{"type": "LAUNCH", "launch": {"task_infos": [task]}}]}})
                else:
                    if not launched and not explained:
                        explained = True
                        lacks = [f"{name}:{want - scalar(offer, name):g}" for name, want in (("cpus", args.cpus), ("mem", args.mem)) if scalar(offer, name) < want]
                        print(f"v1_hello: an offer cannot hold the task (cpus:{args.cpus:g};mem:{args.mem:g}): it lacks {';'.join(lacks)}; waiting for another",
                              file=sys.stderr, flush=True)
                    call({"type": "DECLINE", "decline": {"offer_ids": [offer["id"]], "filters": {"refuse_seconds": 60}}})
        elif kind == "UPDATE":
            status = event["update"]["status"]
            print(f"{status['task_id']['value']} {status['state']}", flush=True)
            if "uuid" in status:
                call({"type": "ACKNOWLEDGE", "acknowledge": {"agent_id": status["agent_id"], "task_id": status["task_id"], "uuid": status["uuid"]}})
            if status["state"] in TERMINAL:
                call({"type": "TEARDOWN"})
                sys.exit(0 if status["state"] == "TASK_FINISHED" else 1)
        elif kind == "ERROR":
            sys.exit(f"v1_hello: the master refused the framework: {event['error']['message']}")
    sys.exit("v1_hello: the master closed the stream")


if __name__ == "__main__":
    main()
