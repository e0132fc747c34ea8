/**
 * `methodNotAllowed` (lib/process/http.ts): the one place a 405 is built, `Allow` always with it.
 * About eight handlers each built their own (a hostile review, 3); one that forgot `Allow` would
 * break HTTP, and their bodies drifted apart.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { methodNotAllowed } from '../../../lib/process';

/** The repository's root (this file runs from dist/spec/lib/process). */
const ROOT = path.join(__dirname, '../../../..');

/** Every TypeScript source under `directory`, recursively. */
function sources(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

describe('lib/process: methodNotAllowed', () => {
  it('answers 405 with Allow naming the methods served, the message as JSON {error} or as text, other headers kept', () => {
    expect(methodNotAllowed(['GET', 'PUT'], "Expecting 'GET' or 'PUT', received 'POST'")).to.deep.equal({ status: 405, headers: { allow: 'GET, PUT' }, body: { error: "Expecting 'GET' or 'PUT', received 'POST'" } });
    expect(methodNotAllowed(['POST'], "Expecting one of { 'POST' }, but received 'GET'", 'text')).to.deep.equal({ status: 405, headers: { allow: 'POST' }, body: "Expecting one of { 'POST' }, but received 'GET'" });
    expect(methodNotAllowed(['GET', 'HEAD'], 'PUT is not allowed here\n', 'text', { 'content-type': 'text/plain; charset=utf-8' }).headers).to.deep.equal({ allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
  });

  it('is the only place a 405 is built in actors/, lib/ and bin/', () => {
    const builders = /status:\s*405\b|httpError\(\s*405\b/;
    const offenders = ['actors', 'lib', 'bin'].flatMap((directory) => sources(path.join(ROOT, directory)))
      .filter((file) => path.relative(ROOT, file) !== path.join('lib', 'process', 'http.ts'))
      .filter((file) => builders.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(ROOT, file));
    expect(offenders).to.deep.equal([]);
  });
});
