import { expect } from 'chai';
import { idError, MAX_ID_LENGTH } from '../../../lib/protocol';

describe('lib/protocol/ids', () => {
  it('accepts ordinary ids', () => {
    for (const id of ['t1', 'my-task.2', 'uuid:1234', 'a b', '...', 'é']) expect(idError(id), id).to.equal(undefined);
  });

  it(`accepts ${MAX_ID_LENGTH} characters and refuses one more (Mesos: NAME_MAX)`, () => {
    expect(MAX_ID_LENGTH).to.equal(255);
    expect(idError('x'.repeat(MAX_ID_LENGTH))).to.equal(undefined);
    expect(idError('x'.repeat(MAX_ID_LENGTH + 1))).to.equal(`ID must not be greater than ${MAX_ID_LENGTH} characters`);
  });

  it('counts the length in UTF-8 bytes, as the file system does', () => {
    expect(idError(`${'é'.repeat(127)}x`)).to.equal(undefined);
    expect(idError('é'.repeat(128))).to.equal(`ID must not be greater than ${MAX_ID_LENGTH} characters`);
  });

  it('refuses what cannot be a directory name: empty, . and .., separators, control characters', () => {
    expect(idError('')).to.equal('ID must not be empty');
    expect(idError('.')).to.equal("'.' is disallowed");
    expect(idError('..')).to.equal("'..' is disallowed");
    for (const id of ['a/b', 'a\\b', 'a\0b', 'a\nb', 'a\u001fb', 'a\u007fb']) expect(idError(id), JSON.stringify(id)).to.match(/contains invalid characters$/);
  });
});
