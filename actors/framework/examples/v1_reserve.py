#!/usr/bin/env python3
"""Operation feedback from Python's standard library: reserve, run on the reservation, unreserve.

Mesos' v1 scheduler HTTP API, as docs/scheduler-http-api.md and docs/operation-feedback.md of
Apache Mesos describe it (nothing here is specific to this project). The framework:

1. RESERVEs --cpus and --mem of the first offer that has them unreserved for its role, with an
   operation `id`, and waits for the operation's status (UPDATE_OPERATION_STATUS), acknowledging
   each status that carries a `uuid` (ACKNOWLEDGE_OPERATION_STATUS);
2. once the reservation is OPERATION_FINISHED, runs --command as a task on the reserved
   resources of the next offer that has them, acknowledging its status updates;
3. once the task has ended, UNRESERVEs them (another `id`), waits for OPERATION_FINISHED, and
   tears the framework down.

It prints one line a status (`reserve-1 OPERATION_FINISHED`, `on-reservation TASK_RUNNING`, ...)
and exits 0 if every step finished, 1 otherwise (or on any error, with one line). An operation
refused (OPERATION_ERROR: an agent without the feedback capabilities, a principal not allowed to
reserve) ends it with that status's message.

    python3 actors/framework/examples/v1_reserve.py --master 127.0.0.1:5050 --command 'echo hello'
"""
import argparse
import getpass
import http.client
import json
import sys

TERMINAL_TASK = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST", "TASK_DROPPED", "TASK_GONE"}
TERMINAL_OPERATION = {"OPERATION_FINISHED", "OPERATION_FAILED", "OPERATION_ERROR", "OPERATION_DROPPED", "OPERATION_GONE_BY_OPERATOR"}
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
    parser = argparse.ArgumentParser(description="Reserve resources, run a command on them and unreserve them, with operation feedback.")
    parser.add_argument("--master", required=True, help="host:port of the leading master")
    parser.add_argument("--command", required=True, help="shell command the task runs")
    parser.add_argument("--role", default="eng", help="role to reserve for (default: eng)")
    parser.add_argument("--principal", default="v1-reserve", help="principal the framework and its reservation name")
    parser.add_argument("--cpus", type=float, default=0.1)
    parser.add_argument("--mem", type=float, default=32)
    parser.add_argument("--user", default=getpass.getuser(),
                        help="OS user the task runs as (default: yours); it must exist on the agents' machines")
    args = parser.parse_args()
    host, port = args.master.rsplit(":", 1)

    stream = http.client.HTTPConnection(host, int(port), timeout=STREAM_READ_TIMEOUT_SECONDS)
    framework_info = {
        "user": args.user, "name": "v1-reserve-python", "roles": [args.role], "principal": args.principal,
        "capabilities": [{"type": "MULTI_ROLE"}, {"type": "RESERVATION_REFINEMENT"}],
    }
    subscribe = {"type": "SUBSCRIBE", "subscribe": {"framework_info": framework_info}}
    stream.request("POST", "/api/v1/scheduler", json.dumps(subscribe), {"Content-Type": "application/json", "Accept": "application/json"})
    response = stream.getresponse()
    if response.status != 200:
        sys.exit(f"v1_reserve: SUBSCRIBE answered {response.status}: {response.read().decode()}")
    stream_id = response.getheader("Mesos-Stream-Id")
    framework_id = None
    reservation = [{"type": "DYNAMIC", "role": args.role, "principal": args.principal}]
    wanted = [{"name": "cpus", "type": "SCALAR", "scalar": {"value": args.cpus}, "reservations": reservation},
              {"name": "mem", "type": "SCALAR", "scalar": {"value": args.mem}, "reservations": reservation}]
    # reserve → (reserve-1 finished) → launch → (task ended) → unreserve → (unreserve-1 finished) → done
    step = "reserve"
    task_finished = False

    def call(body):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("POST", "/api/v1/scheduler", json.dumps({"framework_id": framework_id, **body}),
                           {"Content-Type": "application/json", "Mesos-Stream-Id": stream_id})
        answer = connection.getresponse()
        text = answer.read().decode()
        connection.close()
        if answer.status != 202:
            sys.exit(f"v1_reserve: {body['type']} answered {answer.status}: {text}")

    def scalar(offer, name, reserved):
        return sum(r.get("scalar", {}).get("value", 0) for r in offer["resources"]
                   if r["name"] == name and bool(r.get("reservations")) == reserved)

    def holds(offer, reserved):
        return scalar(offer, "cpus", reserved) >= args.cpus and scalar(offer, "mem", reserved) >= args.mem

    def accept(offer, operation):
        call({"type": "ACCEPT", "accept": {"offer_ids": [offer["id"]], "operations": [operation], "filters": {"refuse_seconds": 0}}})

    for event in records(response):
        kind = event["type"]
        if kind == "SUBSCRIBED":
            framework_id = event["subscribed"]["framework_id"]
            print(f"subscribed as {framework_id['value']}", flush=True)
        elif kind == "OFFERS":
            for offer in event["offers"]["offers"]:
                if step == "reserve" and holds(offer, False):
                    step = "reserving"
                    accept(offer, {"type": "RESERVE", "id": {"value": "reserve-1"}, "reserve": {"resources": wanted}})
                elif step == "launch" and holds(offer, True):
                    step = "running"
                    task = {"name": "on-reservation", "task_id": {"value": "on-reservation"}, "agent_id": offer["agent_id"],
                            "resources": wanted, "command": {"value": args.command}}
                    accept(offer, {"type": "LAUNCH", "launch": {"task_infos": [task]}})
                elif step == "unreserve" and holds(offer, True):
                    step = "unreserving"
                    accept(offer, {"type": "UNRESERVE", "id": {"value": "unreserve-1"}, "unreserve": {"resources": wanted}})
                else:
                    call({"type": "DECLINE", "decline": {"offer_ids": [offer["id"]], "filters": {"refuse_seconds": 1}}})
        elif kind == "UPDATE_OPERATION_STATUS":
            status = event["update_operation_status"]["status"]
            operation_id = status.get("operation_id", {}).get("value", "")
            print(f"{operation_id} {status['state']}", flush=True)
            if "uuid" in status:
                call({"type": "ACKNOWLEDGE_OPERATION_STATUS", "acknowledge_operation_status": {
                    "agent_id": status["agent_id"], "uuid": status["uuid"]["value"], "operation_id": status["operation_id"]}})
            if status["state"] in TERMINAL_OPERATION and status["state"] != "OPERATION_FINISHED":
                call({"type": "TEARDOWN"})
                sys.exit(f"v1_reserve: {operation_id} {status['state']}: {status.get('message', '')}")
            if status["state"] == "OPERATION_FINISHED" and operation_id == "reserve-1":
                step = "launch"
                call({"type": "REVIVE"})
            elif status["state"] == "OPERATION_FINISHED" and operation_id == "unreserve-1":
                call({"type": "TEARDOWN"})
                sys.exit(0 if task_finished else 1)
        elif kind == "UPDATE":
            status = event["update"]["status"]
            print(f"{status['task_id']['value']} {status['state']}", flush=True)
            if "uuid" in status:
                call({"type": "ACKNOWLEDGE", "acknowledge": {"agent_id": status["agent_id"], "task_id": status["task_id"], "uuid": status["uuid"]}})
            if status["state"] in TERMINAL_TASK and step == "running":
                task_finished = status["state"] == "TASK_FINISHED"
                step = "unreserve"
                call({"type": "REVIVE"})
        elif kind == "ERROR":
            sys.exit(f"v1_reserve: the master refused the framework: {event['error']['message']}")
    sys.exit("v1_reserve: the master closed the stream")


if __name__ == "__main__":
    main()
