/**
 * The seeded wire fuzzer (issue 9) against real masters and agents: random and mutated bodies of
 * every message they install, random names, garbage `to`s, forged senders and undecodable
 * frames (wire-fuzz.ts), written by a host of its own (wire-fuzz-subjects.ts says where).
 *
 * After every batch: the master (or agent) answers, its books pass the invariants (the chaos
 * step invariants, the allocator's own check among them), the log stays within its bounds (no
 * record at error level, no long line, a few hundred bytes per envelope), no frame hangs; at the
 * end the heap has grown within its bound and legitimate work still gets done.
 *
 * Each test names its seed. `WIRE_FUZZ_SEED=<n>` replays one; `WIRE_FUZZ_ENVELOPES=<n>` sends
 * more (the simulated runs take that many, the WebSocket run a tenth).
 */
import { expect } from 'chai';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { startCluster } from './simulation';
import { FuzzIds, SAMPLES, WireFuzzer, type FuzzStats, type SampleIds } from './wire-fuzz';
import { FUZZER_ADDRESS, FUZZER_IDS, fuzzedAgent, fuzzedCluster, fuzzedMasterOverWebSocket, type FuzzSubject } from './wire-fuzz-subjects';

/** The seed of a normal test run (the same in every CI run; `WIRE_FUZZ_SEED` picks another). */
const DEFAULT_WIRE_FUZZ_SEED = 1;
/** Envelopes sent to each simulated subject in a normal test run (`WIRE_FUZZ_ENVELOPES` changes it). */
const DEFAULT_WIRE_FUZZ_ENVELOPES = 20_000;
/** The WebSocket run sends this fraction of them (it runs on the real clock, over a real socket). */
const WEBSOCKET_SHARE = 0.1;
/** Envelopes between two checks. */
const FUZZ_BATCH_ENVELOPES = 1_000;
/** Envelopes of each run of the replay test. */
const REPLAY_ENVELOPES = 2_000;
/** How much the heap may grow from the first batch to the last (after a full collection). */
const MAX_FUZZ_HEAP_GROWTH_BYTES = 64 * 1024 * 1024;

/** `name` from the environment as a non-negative integer, or `fallback`. */
function integerFromEnvironment(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, not '${text}'`);
  return value;
}

const SEED = integerFromEnvironment('WIRE_FUZZ_SEED', DEFAULT_WIRE_FUZZ_SEED);
const ENVELOPES = integerFromEnvironment('WIRE_FUZZ_ENVELOPES', DEFAULT_WIRE_FUZZ_ENVELOPES);
const WEBSOCKET_ENVELOPES = Math.max(FUZZ_BATCH_ENVELOPES, Math.round(ENVELOPES * WEBSOCKET_SHARE));

/** A full garbage collection (the flag is set at run time, as `node --expose-gc` would). */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

/** Heap in use after a full collection. */
function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** What a failure says: the seed to replay it, and what the fuzzer made. */
function replayHint(seed: number, envelopes: number, stats: FuzzStats): string {
  const counts = [...stats].sort(([a], [b]) => a.localeCompare(b)).map(([what, count]) => `${what}=${count}`).join(' ');
  return `replay with WIRE_FUZZ_SEED=${seed} WIRE_FUZZ_ENVELOPES=${envelopes} (fuzzer made: ${counts})`;
}

/**
 * Sends `envelopes` fuzzed envelopes to `subject` in batches, checking it after each, then runs
 * its last check; prints a summary (unless `quiet`) and returns the subject's fingerprint, if it
 * has one. A failure names the seed, and what was sent so far.
 */
async function fuzz(subject: FuzzSubject, seed: number, envelopes: number, quiet = false): Promise<string | undefined> {
  let sent = 0;
  let heapAtFirstBatch: number | undefined;
  try {
    while (sent < envelopes) {
      const batchEnd = Math.min(envelopes, sent + FUZZ_BATCH_ENVELOPES);
      while (sent < batchEnd) {
        const frame = subject.fuzzer.next();
        subject.deliver(frame);
        sent += frame.envelopes;
      }
      await subject.settle();
      expect(await subject.broken(sent), 'what is broken').to.deep.equal([]);
      heapAtFirstBatch ??= heapUsed();
    }
    const growth = heapUsed() - (heapAtFirstBatch ?? 0);
    expect(growth, `heap growth in bytes (bound ${MAX_FUZZ_HEAP_GROWTH_BYTES})`).to.be.below(MAX_FUZZ_HEAP_GROWTH_BYTES);
    await subject.finish();
    expect(await subject.broken(sent), 'after the last check').to.deep.equal([]);
    if (!quiet) console.log(`      ${sent} envelopes; heap +${(growth / 2 ** 20).toFixed(1)} MiB; ${await subject.summary()}`);
    return await subject.fingerprint?.();
  } catch (error) {
    if (error instanceof Error) error.message = `seed ${seed}, after ${sent} envelopes: ${error.message}\n${replayHint(seed, envelopes, subject.fuzzer.stats)}`;
    throw error;
  } finally {
    await subject.stop();
  }
}

describe('wire fuzzing (issue 9)', function () {
  this.timeout(180_000);

  it('has a valid sample body for every message the master and the agent install', async () => {
    const cluster = await startCluster({ agents: ['cpus:1;mem:128'], seed: 1 });
    try {
      const fuzzer = new WireFuzzer({ seed: 1, ownAddress: FUZZER_ADDRESS, ownIds: FUZZER_IDS, targets: () => [], forgeable: () => [], ids: new FuzzIds() });
      const sampleIds = (fuzzer as unknown as { sampleIds: SampleIds }).sampleIds;
      const agent = cluster.agents[0]?.agent?.agent;
      if (agent === undefined) throw new Error('no agent');
      for (const actor of [cluster.master.master, agent]) {
        for (const [name, handler] of actor.runtime.handlers) {
          const build = SAMPLES.get(name);
          expect(build, `a sample body for ${name} (installed by ${actor.id})`).to.not.equal(undefined);
          // Every message off the wire is checked: a handler without a validator would take any body.
          expect(handler.validate, `the validator of ${name}`).to.be.a('function');
          for (let draw = 0; draw < 20; draw++) expect(() => handler.validate?.(build?.(sampleIds)), name).to.not.throw();
        }
      }
    } finally {
      await cluster.host.stop();
    }
  });

  it(`the master and agents of a simulated cluster take ${ENVELOPES} fuzzed envelopes over a simulated wire (seed ${SEED})`, async () => {
    await fuzz(await fuzzedCluster(SEED), SEED, ENVELOPES);
  });

  it(`an agent takes ${ENVELOPES} fuzzed envelopes from a fuzzer that is its master, over a simulated wire (seed ${SEED})`, async () => {
    await fuzz(await fuzzedAgent(SEED), SEED, ENVELOPES);
  });

  it(`replays a seed exactly: two runs of ${REPLAY_ENVELOPES} envelopes end with the same books and the same log, for the cluster and the lone agent (seed ${SEED})`, async () => {
    for (const subject of [fuzzedCluster, fuzzedAgent]) {
      const first = await fuzz(await subject(SEED), SEED, REPLAY_ENVELOPES, true);
      const second = await fuzz(await subject(SEED), SEED, REPLAY_ENVELOPES, true);
      expect(first).to.be.a('string');
      expect(second === first, `${subject.name}: the replay ended elsewhere`).to.equal(true);
    }
  });

  it(`a real master host takes ${WEBSOCKET_ENVELOPES} fuzzed envelopes and raw frames over a real WebSocket link (seed ${SEED})`, async () => {
    await fuzz(await fuzzedMasterOverWebSocket(SEED), SEED, WEBSOCKET_ENVELOPES);
  });
});
