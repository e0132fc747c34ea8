/**
 * Files that flags name (Mesos' convention): a value `file:///path` or a plain path, read whole
 * but bounded, for the credentials, ACLs and rate limits. One reader, so that each of those
 * flags refuses a directory, a device or a huge file the same way.
 */
import * as fs from 'node:fs';
import { strictUtf8 } from './utf8';

/** The prefix of a flag value naming a file (Mesos' flags fetch `file://` values from disk). */
export const FILE_URL_PREFIX = 'file://';

/** Largest file a flag may name by default: an operator's JSON is kilobytes, so anything bigger is the wrong file. */
export const MAX_FLAG_FILE_BYTES = 16 * 1024 * 1024;

/** The least a read of a flag's file asks for at once (files of /proc report their size as 0). */
const FLAG_FILE_READ_CHUNK_BYTES = 64 * 1024;

/** The path a flag value names: `file:///path` → `/path`; anything else is a path already. */
export function flagFilePath(value: string): string {
  return value.startsWith(FILE_URL_PREFIX) ? value.slice(FILE_URL_PREFIX.length) : value;
}

/**
 * The text of the regular file at `path`, at most `maxBytes` long. Throws an Error whose message
 * says what is wrong (the file system's reason, `not a regular file`, the size, or bytes that are
 * not UTF-8: read leniently, each was U+FFFD, and an ACL or a rate limit named a principal other
 * than the file does); callers add which flag and file.
 */
export function readBoundedFile(path: string, maxBytes = MAX_FLAG_FILE_BYTES): string {
  const text = strictUtf8(readBoundedBytes(path, maxBytes));
  if (text === undefined) throw new Error('not UTF-8 text');
  return text;
}

/** The bytes of the regular file at `path`, at most `maxBytes` of them (for a caller that decodes them strictly); throws as `readBoundedFile`. */
export function readBoundedBytes(path: string, maxBytes = MAX_FLAG_FILE_BYTES): Buffer {
  // Opened without blocking and checked by what was opened: a FIFO put there after a `stat` would hold the open.
  const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new Error('not a regular file');
    if (stat.size > maxBytes) throw new Error(`${stat.size} bytes, more than the ${maxBytes} allowed`);
    // Read with the bound itself, not the size the file system reports: files of /proc report 0.
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, Math.max(stat.size + 1, FLAG_FILE_READ_CHUNK_BYTES)));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      total += read;
      if (total > maxBytes) throw new Error(`more than the ${maxBytes} bytes allowed`);
      chunks.push(Buffer.from(buffer.subarray(0, read)));
    }
    return Buffer.concat(chunks, total);
  } finally {
    fs.closeSync(fd);
  }
}
