/** Text or JSON that is not a valid resource description (bad operator input). */
export class ResourceParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceParseError';
  }
}

/** An algebra operation that is not defined on its operands, e.g. subtracting more than is held. */
export class ResourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceError';
  }
}
