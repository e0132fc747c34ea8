import { expect } from 'chai';
import { encodeCheckPath } from '../../../lib/protocol';

describe('lib/protocol/checks: encodeCheckPath', () => {
  it('percent-encodes each UTF-8 byte outside printable ASCII (spaces, control characters, non-ASCII), uppercase, and keeps the rest as given', () => {
    expect(encodeCheckPath('/health check/é')).to.equal('/health%20check/%C3%A9');
    expect(encodeCheckPath('/a\r\nHost: x')).to.equal('/a%0D%0AHost:%20x');
    expect(encodeCheckPath('/ok?x=1&y=%41#f~')).to.equal('/ok?x=1&y=%41#f~');
    expect(encodeCheckPath('/\u007f')).to.equal('/%7F');
  });
});
