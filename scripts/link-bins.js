#!/usr/bin/env node
// Run by `npm install` (prepare) and `npm run build`: makes the compiled bins executable and
// links them into node_modules/.bin, so `npx mesos-local` etc. work inside a checkout of this
// repository.
//
// The master's bins (FLAGGED_BINS) start Node with the master's flags (`MASTER_NODE_FLAGS` in
// actors/master/constants.ts). Their compiled first line, `#!/usr/bin/env node`, becomes a
// header that /bin/sh runs and Node skips:
//
//   #!/bin/sh
//   ':' //; exec node FLAGS "$0" "$@"
//
// To sh that is the no-op `:` and then `exec node FLAGS` on this same file (no second process);
// to JavaScript it is a string statement and a comment. `#!/usr/bin/env -S node FLAGS` would
// say it in one line, but BusyBox's env (Alpine's) has no -S. The header goes in after tsc,
// which would put its "use strict" between the two lines.
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const { bin } = require(path.join(root, 'package.json'));
const { MASTER_NODE_FLAGS } = require(path.join(root, 'dist', 'actors', 'master', 'constants.js'));
const FLAGGED_BINS = ['mesos-master', 'mesos-local'];
const NODE_SHEBANG = '#!/usr/bin/env node\n';
/** The header this script writes, whatever flags it wrote then. */
const HEADER = /^#!\/bin\/sh\n':' \/\/; exec node [^\n]* "\$0" "\$@"\n/;
const binDir = path.join(root, 'node_modules', '.bin');
fs.mkdirSync(binDir, { recursive: true });
for (const [name, target] of Object.entries(bin)) {
  const file = path.join(root, target);
  if (!fs.existsSync(file)) throw new Error(`link-bins: ${target} was not built`);
  if (FLAGGED_BINS.includes(name)) {
    const text = fs.readFileSync(file, 'utf8');
    // tsc's output starts with the shebang; a file given a header before (a run without tsc since) gets today's flags.
    const header = text.startsWith(NODE_SHEBANG) ? NODE_SHEBANG : HEADER.exec(text)?.[0];
    if (header === undefined) throw new Error(`link-bins: ${target} starts with neither ${NODE_SHEBANG.trim()} nor the header this script writes`);
    fs.writeFileSync(file, `#!/bin/sh\n':' //; exec node ${MASTER_NODE_FLAGS.join(' ')} "$0" "$@"\n${text.slice(header.length)}`);
  }
  fs.chmodSync(file, 0o755);
  const link = path.join(binDir, name);
  fs.rmSync(link, { force: true });
  fs.symlinkSync(path.relative(binDir, file), link);
}
