/**
 * Mesos' RecordIO framing read by hand (`<length>\n<record>`...), for the plain-http clients of
 * the tests and fixtures: records may be split across chunks, or several come in one.
 */
import type { HttpStream } from '../../lib/process';

/** Calls `onRecord` with each whole record of the chunks `feed` is given, in order. */
export function recordReader(onRecord: (record: Buffer) => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0);
  return (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const newline = buffered.indexOf(10);
      if (newline < 0) return;
      const length = Number(buffered.subarray(0, newline).toString('ascii'));
      if (!Number.isInteger(length) || length < 0) throw new Error(`bad RecordIO length '${buffered.subarray(0, newline).toString()}'`);
      if (buffered.length < newline + 1 + length) return;
      const record = Buffer.from(buffered.subarray(newline + 1, newline + 1 + length));
      buffered = buffered.subarray(newline + 1 + length);
      onRecord(record);
    }
  };
}

/**
 * What a client of an in-process RecordIO event stream (a route's `HttpStream`, JSON records) has
 * read, and whether the stream has ended: the harness specs' executor and operator streams.
 */
export class StreamReader {
  text = '';
  ended = false;

  constructor(readonly stream: HttpStream) {
    stream.attach({
      write: (chunk) => { this.text += chunk.toString(); },
      end: () => { this.ended = true; },
      buffered: 0,
      destroy: () => { this.ended = true; },
      onDrain: () => undefined,
    });
  }

  /** The events read so far, in order. */
  events(): Array<Record<string, unknown> & { type: string }> {
    const events: Array<Record<string, unknown> & { type: string }> = [];
    let rest = this.text;
    while (rest.length > 0) {
      const newline = rest.indexOf('\n');
      const length = Number(rest.slice(0, newline));
      events.push(JSON.parse(rest.slice(newline + 1, newline + 1 + length)) as Record<string, unknown> & { type: string });
      rest = rest.slice(newline + 1 + length);
    }
    return events;
  }

  /** The event types read so far, in order. */
  types(): string[] {
    return this.events().map((event) => event.type);
  }
}
