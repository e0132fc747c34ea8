#!/usr/bin/env node
// Run by `npm install` / `npm run build`: bundles the web UI (webui/src, preact + htm) with
// esbuild into dist/webui/: index.html, and assets/app-<hash>.js and assets/app-<hash>.css
// (minified; the hash in the names lets the master tell browsers to cache them for good).
// The master's `webui` actor serves these files at / (actors/master/webui.ts).
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'webui');
const output = path.join(root, 'dist/webui');
const assets = path.join(output, 'assets');

// Bundles older than this build are removed, so the served directory holds one of each.
fs.rmSync(assets, { recursive: true, force: true });
fs.mkdirSync(assets, { recursive: true });

const result = esbuild.buildSync({
  entryPoints: { app: path.join(source, 'src/main.ts'), style: path.join(source, 'src/styles.css') },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir: assets,
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'eof',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
const script = outputs.find((file) => file.startsWith('app-') && file.endsWith('.js'));
const style = outputs.find((file) => file.startsWith('style-') && file.endsWith('.css'));
if (script === undefined || style === undefined) throw new Error(`build-webui: esbuild wrote ${outputs.join(', ')}, expected app-*.js and style-*.css`);

const template = fs.readFileSync(path.join(source, 'index.html'), 'utf8');
const index = template.replace('{{js}}', `/assets/${script}`).replace('{{css}}', `/assets/${style}`);
fs.writeFileSync(path.join(output, 'index.html'), index);

const sizes = outputs.map((file) => `${file} ${(fs.statSync(path.join(assets, file)).size / 1024).toFixed(1)} KiB`);
process.stdout.write(`build-webui: dist/webui/index.html, ${sizes.join(', ')}\n`);
