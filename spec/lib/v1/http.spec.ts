import { expect } from 'chai';
import { jsonNestingBeyond, streamEncoding, v1RequestJson } from '../../../lib/v1/http';
import { MAX_BODY_DEPTH } from '../../../lib/protocol/plain';
import type { HttpRequest } from '../../../lib/process/http';

function request(text: string): HttpRequest {
  return { method: 'POST', path: '/api/v1/scheduler', query: {}, headers: { 'content-type': 'application/json' }, body: Buffer.from(text) } as unknown as HttpRequest;
}

describe('v1 HTTP request bodies', () => {
  it('finds the first bracket or brace past the depth bound, ignoring those in strings (escaped quotes included)', () => {
    expect(jsonNestingBeyond(Buffer.from('{"a":[1,{"b":[]}]}'), 4)).to.equal(undefined);
    expect(jsonNestingBeyond(Buffer.from('{"a":[1,{"b":[]}]}'), 3)).to.equal(13);
    expect(jsonNestingBeyond(Buffer.from('{"a":[1,{"b":[]}]}'), 2)).to.equal(8);
    expect(jsonNestingBeyond(Buffer.from('{"a":"[[[[{{{{\\"[[[["}'), 1)).to.equal(undefined);
    expect(jsonNestingBeyond(Buffer.from(']]]][[['), 2)).to.equal(undefined); // malformed: JSON.parse says why
    expect(jsonNestingBeyond(Buffer.from('[]'.repeat(1000)), 1)).to.equal(undefined);
  });

  // The hostile-input pass of 2026-12-05: a 4 MB body of [[[...]]] held the master's thread 1.2 s (parse, then the walk).
  it(`refuses a body nested deeper than ${MAX_BODY_DEPTH} levels with a 400 before parsing it, and takes one as deep as that`, () => {
    const deep = `{"type":"SUBSCRIBE","x":${'['.repeat(2_000_000)}${']'.repeat(2_000_000)}}`;
    const refused = v1RequestJson(request(deep));
    expect(refused).to.deep.equal({ status: 400, body: `Failed to parse body into JSON: nested deeper than ${MAX_BODY_DEPTH} levels (at byte ${24 + MAX_BODY_DEPTH - 1})` });
    const deepest = `${'['.repeat(MAX_BODY_DEPTH)}${']'.repeat(MAX_BODY_DEPTH)}`;
    expect(v1RequestJson(request(deepest))).to.have.property('json');
    expect(v1RequestJson(request('{"type": '))).to.have.property('status', 400);
  });
});

describe('v1 HTTP Accept', () => {
  const encodingFor = (accept: string | undefined): unknown => {
    const encoding = streamEncoding({ method: 'POST', path: '/api/v1', query: {}, headers: accept === undefined ? {} : { accept }, body: Buffer.alloc(0) } as unknown as HttpRequest);
    return typeof encoding === 'string' ? encoding : encoding.status;
  };

  // Mesos' `Request::acceptsMediaType`: the type itself, then type/*, then */*; the first entry
  // naming the candidate decides, and a q of 0 refuses it. JSON when accepted, else protobuf, else 406.
  it('chooses as Mesos does, q-values and wildcards included: a type refused with q=0 is not written', () => {
    const cases: Array<[string | undefined, unknown]> = [
      [undefined, 'json'],
      ['application/json', 'json'],
      ['application/x-protobuf', 'protobuf'],
      ['application/x-protobuf, application/json', 'json'],
      ['application/json;q=0.1, application/x-protobuf;q=1', 'json'],
      ['application/json;q=0, application/x-protobuf', 'protobuf'],
      ['application/json; q=0.0, */*', 'protobuf'],
      ['application/x-protobuf, */*;q=0', 'protobuf'],
      ['application/x-protobuf;q=0', 406],
      ['application/json;q=0', 406],
      ['*/*', 'json'],
      ['application/*', 'json'],
      ['Application/JSON', 'json'],
      ['application/json-seq', 406],
      ['text/plain, application/x-protobuf-extra', 406],
      ['text/html', 406],
      ['', 406],
      ['application/json;q=abc, application/x-protobuf', 'protobuf'],
    ];
    for (const [accept, expected] of cases) expect(encodingFor(accept), String(accept)).to.equal(expected);
  });
});
