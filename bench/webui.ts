/**
 * `npm run bench:webui [-- --agents N] [-- --frameworks F] [-- --tasks T] [-- --offers O] [-- --json]`:
 * the web UI against a large cluster's `/master/state`, in headless Chromium (Debian's
 * `chromium`, or `$CHROMIUM_PATH`). A server of the built UI (`dist/webui`) answers
 * `/master/state` with a state made up for it: N agents (100,000), F frameworks (100), T running
 * tasks (5,000) and O offers (one per agent, as `bench:scale`'s state with every agent offered;
 * 58.6 MB there, 73 MB here at the defaults). It measures:
 * - `first_read_ms`: the page opened until it shows the state ("live");
 * - `interval_ms`: how long the page then waits between reads (`statePollIntervalMs` of the read);
 * - per page (overview, agents, frameworks, tasks): `render_ms`, the route changed until the
 *   next frame is drawn, and `script_ms_per_10s`, the script time of 5 s on the page with no
 *   read in it (its redraws every second), scaled to 10 s;
 * - `heap_mb`: the page's JavaScript heap at the end (`performance.memory`).
 * No baseline: the UI before 2026-12-06 drew every agent at once (78 s for the agents page at
 * 100k, 2.2 GB of heap) and redrew the overview from scratch each second (2.0 s of script in 10 s);
 * README, "Web UI".
 */
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type CDPSession } from 'playwright-core';
import { countFlag, refuseUnknownFlags } from './throughput';
import { CHROMIUM_PATH, serveBundle, WEBUI_BUNDLE_DIR } from '../spec/support/webui-server';

/** How to call bench:webui. */
export const WEBUI_BENCH_USAGE = 'usage: npm run bench:webui -- [--agents N] [--frameworks F] [--tasks T] [--offers O] [--json]';

/** Longest the page may take to show the first state or draw a page (ms). */
const PAGE_WAIT_MS = 300_000;
/** The window of script time measured on each page (ms), and tries to find one with no read in it. */
const SCRIPT_WINDOW_MS = 5_000;
const SCRIPT_WINDOW_TRIES = 4;
/** The pages measured, by hash. */
const PAGES = ['#/', '#/agents', '#/frameworks', '#/tasks'] as const;

interface WebuiBenchOptions {
  readonly agents: number;
  readonly frameworks: number;
  readonly tasks: number;
  readonly offers: number;
}

/** A scalar resources object as `/master/state` writes it. */
function scalars(cpus: number, mem: number, disk: number): string {
  return `{"cpus":${cpus},"mem":${mem},"disk":${disk},"gpus":0}`;
}

/** A made-up `/master/state` of the options' size (the fields the UI reads, in Mesos' names). */
export function syntheticState(options: WebuiBenchOptions): string {
  const agentId = (index: number): string => `0f4e1e5c-7a1b-4f0e-9d1f-5a3c2b1d${String(index).padStart(6, '0')}-S${index}`;
  const frameworkId = (index: number): string => `0f4e1e5c-7a1b-4f0e-9d1f-5a3c2b1d0000-${String(index).padStart(4, '0')}`;
  const agents: string[] = [];
  for (let index = 0; index < options.agents; index++) {
    const ip = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
    agents.push(`{"id":"${agentId(index)}","pid":"slave(1)@${ip}:5051","hostname":"${ip}","port":5051,"registered_time":1764979200.5,"active":true,"version":"1.11.0",`
      + `"resources":${scalars(8, 15360, 100000)},"used_resources":${scalars(0, 0, 0)},"offered_resources":${scalars(8, 15360, 100000)},"unreserved_resources":${scalars(8, 15360, 100000)},`
      + '"reserved_resources":{},"attributes":{}}');
  }
  const frameworks: string[] = [];
  for (let index = 0; index < options.frameworks; index++) {
    const tasks: string[] = [];
    for (let task = index; task < options.tasks; task += options.frameworks) {
      const agent = agentId(task % options.agents);
      tasks.push(`{"id":"task-${task}","name":"task-${task}","framework_id":"${frameworkId(index)}","executor_id":"","slave_id":"${agent}","state":"TASK_RUNNING",`
        + `"resources":${scalars(0.1, 32, 0)},"role":"*","statuses":[{"state":"TASK_STARTING","timestamp":1764979300.1},{"state":"TASK_RUNNING","timestamp":1764979300.2}]}`);
    }
    const offers: string[] = [];
    for (let offer = index; offer < options.offers; offer += options.frameworks) {
      offers.push(`{"id":"${frameworkId(index)}-O${offer}","framework_id":"${frameworkId(index)}","slave_id":"${agentId(offer % options.agents)}","resources":${scalars(8, 15360, 100000)}}`);
    }
    frameworks.push(`{"id":"${frameworkId(index)}","name":"framework-${index}","user":"bench","roles":["*"],"hostname":"bench","webui_url":"","checkpoint":false,"failover_timeout":0,`
      + `"active":true,"connected":true,"registered_time":1764979200.5,"unregistered_time":0,"resources":${scalars(0, 0, 0)},"used_resources":${scalars(0.1 * tasks.length, 32 * tasks.length, 0)},`
      + `"offered_resources":${scalars(8 * offers.length, 15360 * offers.length, 100000 * offers.length)},"tasks":[${tasks.join(',')}],"unreachable_tasks":[],"completed_tasks":[],"offers":[${offers.join(',')}],"executors":[]}`);
  }
  return `{"version":"1.11.0","id":"bench","pid":"master@127.0.0.1:5050","hostname":"127.0.0.1","start_time":1764979200.1,"elected_time":1764979200.2,"leader":"master@127.0.0.1:5050",`
    + `"activated_slaves":${options.agents},"deactivated_slaves":0,"unreachable_slaves":0,"flags":{},"frameworks":[${frameworks.join(',')}],"completed_frameworks":[],"slaves":[${agents.join(',')}]}`;
}

/** The figures of one page. */
interface PageFigures {
  readonly page: string;
  readonly render_ms: number;
  /** Null when every window had a read in it. */
  readonly script_ms_per_10s: number | null;
}

/** What bench:webui measured. */
export interface WebuiBenchResult {
  readonly agents: number;
  readonly state_bytes: number;
  readonly first_read_ms: number;
  readonly interval_ms: number;
  readonly pages: readonly PageFigures[];
  readonly heap_mb: number | null;
}

/** The script time (ms) the page has spent since `session` enabled its metrics (one session: each counts from its own start). */
async function scriptMs(session: CDPSession): Promise<number> {
  const { metrics } = await session.send('Performance.getMetrics');
  return (metrics.find((metric) => metric.name === 'ScriptDuration')?.value ?? 0) * 1000;
}

/** Runs the measurements (see the file comment). */
export async function runWebuiBench(options: WebuiBenchOptions, progress: (text: string) => void): Promise<WebuiBenchResult> {
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package or set CHROMIUM_PATH`);
  if (!fs.existsSync(path.join(WEBUI_BUNDLE_DIR, 'index.html'))) throw new Error(`${WEBUI_BUNDLE_DIR}/index.html is missing: run npm run build`);
  const state = Buffer.from(syntheticState(options));
  progress(`a state of ${options.agents} agents, ${options.frameworks} frameworks, ${options.tasks} tasks, ${options.offers} offers: ${state.length} bytes`);
  let reads = 0;
  const server = serveBundle((response) => {
    reads++;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(state);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--enable-precise-memory-info'] });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const session = await page.context().newCDPSession(page);
    await session.send('Performance.enable');
    const liveness = page.locator('[data-testid="liveness"]');
    let started = performance.now();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await liveness.filter({ hasText: 'live' }).waitFor({ timeout: PAGE_WAIT_MS });
    const firstReadMs = performance.now() - started;
    const intervalMs = Number(await liveness.getAttribute('data-interval-ms'));
    progress(`first read shown after ${firstReadMs.toFixed(0)} ms; the page reads again every ${intervalMs / 1000} s`);
    const pages: PageFigures[] = [];
    for (const hash of PAGES) {
      started = performance.now();
      await page.evaluate(`location.hash = '${hash}'`);
      await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))');
      const renderMs = performance.now() - started;
      let perTenSeconds: number | null = null;
      for (let attempt = 0; attempt < SCRIPT_WINDOW_TRIES && perTenSeconds === null; attempt++) {
        const readsBefore = reads;
        const before = await scriptMs(session);
        await page.waitForTimeout(SCRIPT_WINDOW_MS);
        const spent = await scriptMs(session) - before;
        if (reads === readsBefore) perTenSeconds = spent * (10_000 / SCRIPT_WINDOW_MS);
      }
      pages.push({ page: hash, render_ms: Math.round(renderMs), script_ms_per_10s: perTenSeconds === null ? null : Math.round(perTenSeconds) });
      progress(`${hash}: drawn in ${renderMs.toFixed(0)} ms; ${perTenSeconds === null ? 'every window had a read in it' : `${perTenSeconds.toFixed(0)} ms of script in 10 s on it`}`);
    }
    const heap = await page.evaluate('performance.memory === undefined ? null : performance.memory.usedJSHeapSize') as number | null;
    if (errors.length > 0) throw new Error(`the page threw: ${errors.join('; ')}`);
    return { agents: options.agents, state_bytes: state.length, first_read_ms: Math.round(firstReadMs), interval_ms: intervalMs, pages, heap_mb: heap === null ? null : Math.round(heap / 1024 / 1024) };
  } finally {
    await browser.close();
    server.close();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  refuseUnknownFlags(argv, ['--agents', '--frameworks', '--tasks', '--offers'], ['--json'], WEBUI_BENCH_USAGE);
  const agents = countFlag(argv, '--agents', 100_000, 1);
  const options: WebuiBenchOptions = {
    agents,
    frameworks: countFlag(argv, '--frameworks', 100, 1),
    tasks: countFlag(argv, '--tasks', 5_000, 0),
    offers: countFlag(argv, '--offers', agents, 0),
  };
  const result = await runWebuiBench(options, (text) => process.stderr.write(`[webui] ${text}\n`));
  const lines = [
    `bench:webui — ${result.agents} agents, a ${(result.state_bytes / 1e6).toFixed(1)} MB /master/state, headless Chromium`,
    `first_read_ms        ${result.first_read_ms}`,
    `interval_ms          ${result.interval_ms}`,
    ...result.pages.map((page) => `${page.page.padEnd(14)} render_ms ${String(page.render_ms).padStart(6)}   script_ms_per_10s ${page.script_ms_per_10s ?? '(a read in every window)'}`),
    `heap_mb              ${result.heap_mb ?? '(not reported)'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench:webui: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
