#!/usr/bin/env node
// Writes docs/webui.png: the web UI's overview of a real local cluster (mesos-local, two agents)
// with tasks running in two roles and one finished, taken by headless Chromium (playwright-core).
// Needs a build (npm run build) and Debian's chromium package.
//
//   node scripts/screenshot-webui.js [output.png]
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const root = path.resolve(__dirname, '..');
const output = path.resolve(process.argv[2] ?? path.join(root, 'docs/webui.png'));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Longest wait for the cluster or the page to reach the pictured state. */
const WAIT_MS = 30_000;
/** Page width of the picture (height follows the page). */
const VIEWPORT = { width: 1400, height: 900 };

const children = [];

function bin(name, args) {
  const child = spawn(process.execPath, [path.join(root, 'dist/bin', `${name}.js`), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, MESOS_LOG_LEVEL: 'warn' } });
  children.push(child);
  let stdout = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  return { child, output: () => stdout };
}

async function until(test, what) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await test();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main() {
  if (!fs.existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'webui-screenshot-'));
  try {
    const local = bin('mesos-local', ['--port', '0', '--agents', '2', '--resources', 'cpus:8;mem:16384;disk:65536', '--attributes', 'rack:r1', '--work_dir', workDir]);
    const [, master] = await until(() => /master master@(\S+)/.exec(local.output()), 'the master');
    const [, ui] = await until(() => /web UI (\S+)/.exec(local.output()), 'the web UI address');
    const state = async () => (await fetch(`http://${master}/master/state`)).json();
    await until(async () => (await state()).slaves.length === 2, 'two agents');
    const hello = bin('mesos-execute', ['--master', master, '--name', 'hello', '--command', 'echo hello from mesos-ts']);
    await new Promise((resolve) => hello.child.once('exit', resolve));
    bin('mesos-batch', ['--master', master, '--name', 'analytics', '--role', 'analytics', '--tasks', '6', '--task-resources', 'cpus:1;mem:2048', '--command', 'sleep 600']);
    bin('mesos-batch', ['--master', master, '--name', 'web', '--role', 'web', '--tasks', '3', '--task-resources', 'cpus:0.5;mem:512', '--command', 'sleep 600']);
    const running = (json) => json.frameworks.flatMap((framework) => framework.tasks).filter((task) => task.state === 'TASK_RUNNING').length;
    await until(async () => running(await state()) === 9, 'nine running tasks');

    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const page = await browser.newPage({ viewport: VIEWPORT });
      await page.goto(ui);
      await page.locator('[data-testid="live-tasks"]', { hasText: /^9$/ }).waitFor({ timeout: WAIT_MS });
      await page.locator('[data-testid="liveness"]', { hasText: 'live' }).waitFor({ timeout: WAIT_MS });
      fs.mkdirSync(path.dirname(output), { recursive: true });
      await page.screenshot({ path: output, fullPage: true });
    } finally {
      await browser.close();
    }
    process.stdout.write(`screenshot-webui: wrote ${path.relative(process.cwd(), output) || output}\n`);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`screenshot-webui: ${error.message}\n`);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  process.exit(1);
});
