/**
 * `npm run bench:v1-codec [-- --json] [-- --offers N] [-- --tasks T]`: what the v1 scheduler
 * API's protobuf costs beside its JSON, on the thread that serves both (the master's). Protobuf
 * is a codec at the API's edge (lib/v1/protobuf.ts): a call is decoded into the JSON of the same
 * call and checked by the one parser; an event is built as JSON and encoded. So the baseline is
 * the JSON path measured in the same run, and each figure's ratio is protobuf over JSON:
 *
 * - `offers_event`: an OFFERS event of N offers (cpus, mem, disk, ports), written to a stream
 *   (`JSON.stringify` against `v1EventBytes`);
 * - `accept_call`: an ACCEPT launching T tasks, read from a body and checked
 *   (`JSON.parse` + `parseSchedulerCall` against `v1CallJson` + `parseSchedulerCall`);
 * - `update_event`: one UPDATE, the event a framework hears most;
 * - `state_answer`: an operator GET_STATE of A agents (each with its offered and allocated
 *   resources) and T tasks, from its JSON text to protobuf: the baseline is protobufjs' codec
 *   (`JSON.parse`, `fromObject`, `encode`, what the sliced encoder did a value at a time until
 *   2026-12-07), against the sliced encoder's transcoding (`encodeWhole`, the master's path for
 *   GET_STATE and SUBSCRIBED), in µs per MB of JSON; the ratio is the transcoder over the codec.
 *
 * Rounds alternate the two encodings (the machine is shared) and the medians are reported.
 */
import { numberFlag } from './cluster';
import { median } from './figures';
import { offersEvent, parseSchedulerCall, updateEvent } from '../lib/v1/scheduler';
import { v1CallBytes, v1CallJson, v1EventBytes, v1FieldwiseMessageType } from '../lib/v1/protobuf';
import { encodeWhole } from '../lib/v1/sliced-protobuf';
import type { V1Json } from '../lib/v1/json';
import type { Offer } from '../lib/protocol';

/** Alternating rounds of each measurement. */
const ROUNDS = 7;
/** Least time one round of one encoding runs, to average over many operations. */
const ROUND_MS = 200;
const DEFAULT_OFFERS = 100;
const DEFAULT_TASKS = 10;
/** Agents and tasks of the `state_answer` GET_STATE (~2 MB of JSON). */
const STATE_AGENTS = 1_000;
const STATE_TASKS = 2_000;
/** Characters of the GET_STATE's text a piece (the host writes its JSON in pieces this size) and a step. */
const STATE_PIECE_CHARS = 64 * 1024;

/** Microseconds per call of `operation`, over at least `ROUND_MS`. */
function microsecondsPer(operation: () => unknown): number {
  let runs = 0;
  const started = process.hrtime.bigint();
  const until = started + BigInt(ROUND_MS) * 1_000_000n;
  let now = started;
  while (now < until) {
    for (let batch = 0; batch < 16; batch++) operation();
    runs += 16;
    now = process.hrtime.bigint();
  }
  return Number(now - started) / 1_000 / runs;
}

/** Medians of alternating rounds: `[json, protobuf]` µs per operation. */
function compare(json: () => unknown, protobuf: () => unknown): [number, number] {
  const jsonRounds: number[] = [];
  const protobufRounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    jsonRounds.push(microsecondsPer(json));
    protobufRounds.push(microsecondsPer(protobuf));
  }
  return [median(jsonRounds), median(protobufRounds)];
}

function offers(count: number): Offer[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `offer-${index}`, frameworkId: 'framework-0001', agentId: `agent-S${index}`, hostname: `agent-${index}.example.org`, allocationRole: '*',
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 8 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 31_744 } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 409_600 } },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31_000, end: 32_000 }] } },
    ],
    attributes: { rack: `r${index % 8}` },
  }));
}

function acceptCall(tasks: number): V1Json {
  return {
    type: 'ACCEPT', framework_id: { value: 'framework-0001' }, accept: {
      offer_ids: [{ value: 'offer-0' }],
      operations: [{
        type: 'LAUNCH', launch: {
          task_infos: Array.from({ length: tasks }, (_, index) => ({
            name: `task-${index}`, task_id: { value: `task-${index}` }, agent_id: { value: 'agent-S0' },
            resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 256 } }],
            command: { value: 'sleep 10' },
          })),
        },
      }],
      filters: { refuse_seconds: 5 },
    },
  };
}

/** A GET_STATE answer of `agents` agents and `tasks` running tasks, as the operator API renders one. */
function stateAnswer(agents: number, tasks: number): V1Json {
  const scalar = (name: string, value: number, role?: string): V1Json => ({ name, type: 'SCALAR', scalar: { value }, ...(role !== undefined ? { allocation_info: { role } } : {}) });
  const resources = (role?: string): V1Json[] => [scalar('cpus', 8, role), scalar('mem', 31_744, role), scalar('disk', 409_600, role), { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31_000, end: 32_000 }] }, ...(role !== undefined ? { allocation_info: { role } } : {}) }];
  const id = (value: string): V1Json => ({ value });
  return {
    type: 'GET_STATE', get_state: {
      get_tasks: {
        tasks: Array.from({ length: tasks }, (_, index) => ({
          name: `task-${index}`, task_id: id(`task-${index}`), framework_id: id('framework-0001'), agent_id: id(`agent-S${index % agents}`), state: 'TASK_RUNNING',
          resources: [scalar('cpus', 0.5, 'eng'), scalar('mem', 256, 'eng')], statuses: [{ task_id: id(`task-${index}`), state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', timestamp: 1_796_563_998.123_456_7 }],
          status_update_state: 'TASK_RUNNING', status_update_uuid: 'DB7k9Q9GSqW2k0Y0a1b2cw==', role: 'eng', user: 'nobody',
        })),
      },
      get_agents: {
        agents: Array.from({ length: agents }, (_, index) => ({
          agent_info: { hostname: `agent-${index}.example.org`, port: 5051, id: id(`agent-S${index}`), resources: resources(), attributes: [{ name: 'rack', type: 'TEXT', text: { value: `r${index % 8}` } }] },
          active: true, version: '1.11.0', pid: `slave(1)@10.0.${index >> 8}.${index & 255}:5051`, registered_time: { nanoseconds: 1_796_563_998_000_000_000 },
          total_resources: resources(), allocated_resources: resources('eng'), offered_resources: resources('eng'),
        })),
      },
    },
  };
}

/** `text` cut into the pieces the host writes a rendering in. */
function pieces(text: string): string[] {
  const parts: string[] = [];
  for (let at = 0; at < text.length; at += STATE_PIECE_CHARS) parts.push(text.slice(at, at + STATE_PIECE_CHARS));
  return parts;
}

function main(): void {
  const json = process.argv.includes('--json');
  const offerCount = numberFlag('--offers', DEFAULT_OFFERS);
  const taskCount = numberFlag('--tasks', DEFAULT_TASKS);
  const endpoint = { hostname: 'agent.example.org', ip: '10.0.0.8', port: 5051, actorId: 'slave(1)' };
  const offersJson = offersEvent(offers(offerCount), () => endpoint);
  const update = updateEvent({ taskId: 'task-0', state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', agentId: 'agent-S0', executorId: 'task-0', timestamp: 1_796_563_998.25, uuid: '0c1e7d1e-9a4e-4c51-8f8e-2a1d3f4b5c6d' });
  const call = acceptCall(taskCount);
  const callText = Buffer.from(JSON.stringify(call));
  const callBytes = v1CallBytes('scheduler', call);
  const checked = (parsed: ReturnType<typeof parseSchedulerCall>): void => {
    if (!parsed.ok) throw new Error(parsed.error);
  };
  const figures = {
    offers_event: compare(() => JSON.stringify(offersJson), () => v1EventBytes('scheduler', offersJson)),
    accept_call: compare(() => checked(parseSchedulerCall(JSON.parse(callText.toString('utf8')))), () => {
      const decoded = v1CallJson('scheduler', callBytes);
      if (!('json' in decoded)) throw new Error(decoded.error);
      checked(parseSchedulerCall(decoded.json));
    }),
    update_event: compare(() => JSON.stringify(update), () => v1EventBytes('scheduler', update)),
  };
  const response = v1FieldwiseMessageType('master', 'response');
  const stateText = JSON.stringify(stateAnswer(STATE_AGENTS, STATE_TASKS));
  const stateParts = pieces(stateText);
  // Both passes (the length of each message read a field at a time, then the bytes), as the master streams an answer.
  const transcoded = (): Buffer => {
    const { bytes, figures } = encodeWhole(response, stateParts, STATE_PIECE_CHARS);
    if (figures.codecValues > 0) throw new Error(`${figures.codecValues} values of the state went to the codec`);
    return bytes;
  };
  const [codecUs, transcoderUs] = compare(() => response.encode(response.fromObject(JSON.parse(stateParts.join('')) as Record<string, unknown>)).finish(), transcoded);
  const stateMb = stateText.length / 1e6;
  const sizes = {
    offers_event: [Buffer.byteLength(JSON.stringify(offersJson)), v1EventBytes('scheduler', offersJson).length],
    accept_call: [callText.length, callBytes.length],
    update_event: [Buffer.byteLength(JSON.stringify(update)), v1EventBytes('scheduler', update).length],
  };
  console.log(`[v1-codec] ${offerCount} offers an OFFERS event, ${taskCount} tasks an ACCEPT; medians of ${ROUNDS} alternating rounds`);
  console.log('what            JSON µs   protobuf µs   protobuf/JSON   bytes JSON/protobuf');
  const out: Record<string, number> = {};
  for (const [name, [jsonUs, protobufUs]] of Object.entries(figures)) {
    const [jsonBytes, protobufBytes] = sizes[name as keyof typeof sizes] as [number, number];
    console.log(`${name.padEnd(15)} ${jsonUs.toFixed(1).padStart(7)}   ${protobufUs.toFixed(1).padStart(11)}   ${(protobufUs / jsonUs).toFixed(2).padStart(12)}×   ${jsonBytes}/${protobufBytes}`);
    out[`${name}_json_us`] = jsonUs;
    out[`${name}_protobuf_us`] = protobufUs;
    out[`${name}_ratio`] = protobufUs / jsonUs;
  }
  const stateBytes = transcoded().length;
  console.log(`state_answer    codec ${(codecUs / stateMb).toFixed(0)} µs/MB   transcoder ${(transcoderUs / stateMb).toFixed(0)} µs/MB   transcoder/codec ${(transcoderUs / codecUs).toFixed(2)}×   (${STATE_AGENTS} agents, ${STATE_TASKS} tasks: ${stateText.length}/${stateBytes} bytes)`);
  out.state_answer_codec_us_per_mb = codecUs / stateMb;
  out.state_answer_transcoder_us_per_mb = transcoderUs / stateMb;
  out.state_answer_ratio = transcoderUs / codecUs;
  if (json) console.log(JSON.stringify(out));
}

main();
