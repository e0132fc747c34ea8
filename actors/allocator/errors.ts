/** Bad input to the allocator (unknown id, over-recovery, invalid quota...): the books are untouched. */
export class AllocatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AllocatorError';
  }
}

/** A broken allocator invariant: always a bug. */
export class AllocatorInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AllocatorInvariantError';
  }
}
