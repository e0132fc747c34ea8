#!/usr/bin/env node
// Run by `npm install` / `npm run build`: compiles the native command executor into
// dist/actors/agent/mesos-command-executor when a C compiler is available. Without one the
// agent uses the TypeScript command executor instead (same behaviour, slower to start).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const sources = ['command-executor.c', 'checks.c', 'child.c', 'link.c', 'msgpack.c'].map((file) => path.join(root, 'actors/agent/native', file));
const output = path.join(root, 'dist/actors/agent/mesos-command-executor');
const compiler = process.env.CC || 'cc';
const newest = Math.max(...sources.concat(sources.map((s) => s.replace(/\.c$/, '.h')).filter(fs.existsSync)).map((f) => fs.statSync(f).mtimeMs));
if (fs.existsSync(output) && fs.statSync(output).mtimeMs >= newest) process.exit(0);
try {
  fs.mkdirSync(path.dirname(output), { recursive: true });
  execFileSync(compiler, ['-std=c11', '-O2', '-Wall', '-Wextra', '-o', output, ...sources], { stdio: 'inherit' });
} catch (error) {
  process.stderr.write(`build-native: could not compile the native command executor with '${compiler}' (${error.message.split('\n')[0]}); the agent will use the TypeScript one\n`);
}
