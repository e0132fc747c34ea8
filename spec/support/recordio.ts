/**
 * Mesos' RecordIO framing read by hand (`<length>\n<record>`...), for the plain-http clients of
 * the tests and fixtures: records may be split across chunks, or several come in one.
 */

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
