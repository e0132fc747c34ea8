/**
 * `npm run bench:http [-- --json] [-- --tasks N] [-- --window W]`: the v1 scheduler HTTP API
 * against the actor protocol, on real processes (issue 11). Starts `mesos-local` with one agent;
 * an HTTP framework speaking only JSON over Node's `http` (subscribe, accept, acknowledge every
 * update, revive) runs N `true` tasks with at most W in flight, then an actor framework does the
 * same on the same cluster (bench/cluster.ts's windowed run). For each: tasks/s from the first
 * accept to the last TASK_FINISHED, and launch → TASK_RUNNING p50/p99. `http_over_actor` is the
 * ratio of their tasks/s (goal: >= 0.8; Mesos' users found its v1 API slower than the driver).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BENCH_USER, DEFAULT_TASKS, DEFAULT_WINDOW, numberFlag, run, startLocalCluster, type RunFigures } from './cluster';
import { ascending, percentile } from './figures';
import { v1Call, V1Subscription, type V1Event } from '../spec/support/v1-client';

/** What each task asks for (as bench:cluster's). */
const TASK_CPUS = 0.01;
const TASK_MEM = 1;
/** Longest the benchmark waits for any one event before it calls the run failed. */
const EVENT_TIMEOUT_MS = 60_000;

type Offer = { id: { value: string }; agent_id: { value: string }; resources: Array<{ name: string; scalar?: { value: number } }> };
type Status = { task_id: { value: string }; agent_id?: { value: string }; state: string; uuid?: string };

const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE']);

/** Runs `total` tasks through an HTTP framework, at most `window` in flight. */
async function runHttp(master: string, total: number, window: number): Promise<RunFigures> {
  const stream = new V1Subscription(master);
  await stream.open({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: BENCH_USER, name: 'http' } } });
  const subscribed = await stream.next((event) => event.type === 'SUBSCRIBED', EVENT_TIMEOUT_MS);
  const frameworkId = (subscribed.subscribed as { framework_id: { value: string } }).framework_id;
  const call = async (body: object): Promise<void> => {
    const answer = await v1Call(master, { framework_id: frameworkId, ...body }, stream.streamId);
    if (answer.status !== 202) throw new Error(`${JSON.stringify(body).slice(0, 80)}: ${answer.status} ${answer.text}`);
  };
  let launched = 0;
  let finished = 0;
  let awaitingOffers = false;
  let firstAcceptNs = 0n;
  let lastFinishedNs = 0n;
  const launchedAt = new Map<string, bigint>();
  const runningAfterMs: number[] = [];
  const terminal = new Set<string>();
  const failures: string[] = [];
  const pending: Array<Promise<void>> = [];
  let handled = 0;
  while (finished < total) {
    const event: V1Event = await stream.next(() => true, EVENT_TIMEOUT_MS, handled);
    handled = stream.events.indexOf(event, handled) + 1;
    const now = process.hrtime.bigint();
    if (event.type === 'OFFERS') {
      awaitingOffers = false;
      for (const offer of (event.offers as { offers: Offer[] }).offers) {
        const scalar = (name: string): number => offer.resources.filter((resource) => resource.name === name).reduce((sum, resource) => sum + (resource.scalar?.value ?? 0), 0);
        let cpus = scalar('cpus');
        let mem = scalar('mem');
        const tasks: object[] = [];
        while (launched < total && launched - finished < window && cpus >= TASK_CPUS && mem >= TASK_MEM) {
          cpus -= TASK_CPUS;
          mem -= TASK_MEM;
          const taskId = `http-${launched++}`;
          launchedAt.set(taskId, now);
          tasks.push({
            name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id, command: { value: 'true' },
            resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: TASK_CPUS } }, { name: 'mem', type: 'SCALAR', scalar: { value: TASK_MEM } }],
          });
        }
        if (tasks.length === 0) {
          pending.push(call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 0 } } }));
          continue;
        }
        if (firstAcceptNs === 0n) firstAcceptNs = now;
        pending.push(call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], filters: { refuse_seconds: 0 }, operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }] } }));
      }
    } else if (event.type === 'UPDATE') {
      const status = (event.update as { status: Status }).status;
      if (status.uuid !== undefined) pending.push(call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } }));
      const taskId = status.task_id.value;
      if (status.state === 'TASK_RUNNING') {
        const at = launchedAt.get(taskId);
        if (at !== undefined) runningAfterMs.push(Number(now - at) / 1e6);
      }
      if (TERMINAL.has(status.state) && !terminal.has(taskId)) {
        terminal.add(taskId);
        if (status.state !== 'TASK_FINISHED') failures.push(`${taskId}: ${status.state}`);
        finished++;
        if (finished === total) lastFinishedNs = now;
        else if (launched < total && !awaitingOffers && launched - finished <= window / 2) {
          awaitingOffers = true;
          pending.push(call({ type: 'REVIVE' }));
        }
      }
    } else if (event.type === 'ERROR') {
      throw new Error(`the master refused the HTTP framework: ${JSON.stringify(event.error)}`);
    }
    if (pending.length > 1_000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await call({ type: 'TEARDOWN' });
  stream.close();
  if (failures.length > 0) console.log(`http failures: ${failures.slice(0, 5).join('; ')}`);
  const seconds = Number(lastFinishedNs - firstAcceptNs) / 1e9;
  const running = ascending(runningAfterMs);
  return {
    tasks_per_s: Number((total / seconds).toFixed(1)),
    running_p50_ms: Number(percentile(running, 0.5).toFixed(1)),
    running_p99_ms: Number(percentile(running, 0.99).toFixed(1)),
    failed: failures.length,
  };
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const total = numberFlag('--tasks', DEFAULT_TASKS);
  const window = numberFlag('--window', DEFAULT_WINDOW);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-http-'));
  const { child, master } = await startLocalCluster(workDir);
  try {
    const http = await runHttp(master, total, window);
    const actor = await run(master, 'actor', total, window);
    const ratio = Number((http.tasks_per_s / actor.tasks_per_s).toFixed(2));
    console.log(`${total} tasks of 'true' on one agent, ${window} in flight (goal: HTTP >= 0.8x the actor framework)`);
    console.log(`v1 HTTP framework  ${String(http.tasks_per_s).padStart(7)} tasks/s   launch -> RUNNING p50 ${http.running_p50_ms} ms, p99 ${http.running_p99_ms} ms${http.failed ? `   (${http.failed} failed)` : ''}`);
    console.log(`actor framework    ${String(actor.tasks_per_s).padStart(7)} tasks/s   launch -> RUNNING p50 ${actor.running_p50_ms} ms, p99 ${actor.running_p99_ms} ms${actor.failed ? `   (${actor.failed} failed)` : ''}`);
    console.log(`http_over_actor    ${ratio}x`);
    if (json) {
      console.log(JSON.stringify({
        tasks: total, window, ...http, actor_tasks_per_s: actor.tasks_per_s, actor_running_p50_ms: actor.running_p50_ms, http_over_actor: ratio,
      }));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

void main().then(() => process.exit(0), (error: Error) => { console.error(error); process.exit(1); });
