/**
 * `HttpStream.writeReleased`: a chunk that is a view of a buffer its writer reuses is released
 * (`done`) only once the client's sink let go of it, at once by a sink that reads a chunk as it is
 * written, and when the stream closes with chunks still out. A streamed protobuf SUBSCRIBED
 * (`lib/v1/streamed-protobuf.ts`) reuses its buffer on that word.
 */
import { expect } from 'chai';
import { HttpStream, type StreamSink } from '../../../lib/process/http';

/** A sink that holds each released write's `done` until the test releases it. */
function holdingSink(): { sink: StreamSink; held: Array<() => void>; written: string[] } {
  const held: Array<() => void> = [];
  const written: string[] = [];
  const sink: StreamSink = {
    write: (chunk) => { written.push(chunk.toString()); },
    writeReleased: (chunk, done) => {
      written.push(chunk.toString());
      held.push(done);
    },
    end: () => undefined,
    buffered: 0,
    destroy: () => undefined,
    onDrain: () => undefined,
  };
  return { sink, held, written };
}

describe('lib/process/http: HttpStream.writeReleased', () => {
  it('releases a chunk once the sink lets go of it, not before; a chunk written before the response started goes out then', () => {
    const stream = new HttpStream();
    const released: string[] = [];
    stream.writeReleased(Buffer.from('early'), () => released.push('early'));
    const { sink, held, written } = holdingSink();
    stream.attach(sink);
    expect(written).to.deep.equal(['early']);
    expect(released).to.deep.equal([]);
    expect(stream.writeReleased(Buffer.from('late'), () => released.push('late'))).to.equal(true);
    expect(released).to.deep.equal([]);
    held.splice(0).forEach((done) => done());
    expect(released).to.deep.equal(['early', 'late']);
    // A second call of the same `done` (a socket's callback after a close) releases nothing twice.
    stream.writeReleased(Buffer.from('again'), () => released.push('again'));
    const [done] = held.splice(0);
    done?.();
    done?.();
    expect(released).to.deep.equal(['early', 'late', 'again']);
  });

  it('releases what is still out when the client goes away, and at once what is written after the stream closed', () => {
    const stream = new HttpStream();
    const { sink } = holdingSink();
    stream.attach(sink);
    const released: string[] = [];
    stream.writeReleased(Buffer.from('a'), () => released.push('a'));
    stream.writeReleased(Buffer.from('b'), () => released.push('b'));
    stream.closedByPeer();
    expect(released).to.deep.equal(['a', 'b']);
    expect(stream.writeReleased(Buffer.from('c'), () => released.push('c'))).to.equal(false);
    expect(released).to.deep.equal(['a', 'b', 'c']);
  });

  it('releases each chunk as it is written to a sink that reads it then (no writeReleased of its own)', () => {
    const stream = new HttpStream();
    const written: string[] = [];
    stream.attach({ write: (chunk) => { written.push(chunk.toString()); }, end: () => undefined, buffered: 0, destroy: () => undefined, onDrain: () => undefined });
    const released: string[] = [];
    stream.writeReleased(Buffer.from('x'), () => released.push('x'));
    expect([written, released]).to.deep.equal([['x'], ['x']]);
  });
});
