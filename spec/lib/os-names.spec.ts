import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AccountNames, parseAccountFile } from '../../lib/os-names';

describe('lib/os-names: user and group names by id (/etc/passwd, /etc/group)', () => {
  let scratch = '';
  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'os-names-'));
  });
  afterEach(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('parses passwd and group lines; the first name of a shared id wins; comments and malformed lines are skipped', () => {
    const names = parseAccountFile('# comment\nroot:x:0:0:root:/root:/bin/sh\nadmin:x:0:\nstaff:x:50:alice,bob\nbroken\nodd:x:abc:\n:x:7:\n');
    expect([...names]).to.deep.equal([[0, 'root'], [50, 'staff']]);
  });

  it('falls back to the number for an unknown id or a missing file', async () => {
    const file = path.join(scratch, 'group');
    fs.writeFileSync(file, 'wheel:x:10:\n');
    const names = new AccountNames(file);
    expect(await names.nameOf(10)).to.equal('wheel');
    expect(await names.nameOf(11)).to.equal('11');
    expect(await new AccountNames(path.join(scratch, 'none')).nameOf(10)).to.equal('10');
  });

  it('reads the file again once it changes', async () => {
    const file = path.join(scratch, 'passwd');
    fs.writeFileSync(file, 'old:x:1000:1000::/:/bin/sh\n');
    const names = new AccountNames(file);
    expect(await names.nameOf(1000)).to.equal('old');
    fs.writeFileSync(file, 'new:x:1000:1000::/:/bin/sh\n');
    const later = new Date(Date.now() + 10_000);
    fs.utimesSync(file, later, later);
    expect(await names.nameOf(1000)).to.equal('new');
  });
});
