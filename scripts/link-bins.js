#!/usr/bin/env node
// Run by `npm install` (prepare): makes the compiled bins executable and links them into
// node_modules/.bin, so `npx mesos-local` etc. work inside a checkout of this repository.
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const { bin } = require(path.join(root, 'package.json'));
const binDir = path.join(root, 'node_modules', '.bin');
fs.mkdirSync(binDir, { recursive: true });
for (const [name, target] of Object.entries(bin)) {
  const file = path.join(root, target);
  if (!fs.existsSync(file)) throw new Error(`link-bins: ${target} was not built`);
  fs.chmodSync(file, 0o755);
  const link = path.join(binDir, name);
  fs.rmSync(link, { force: true });
  fs.symlinkSync(path.relative(binDir, file), link);
}
