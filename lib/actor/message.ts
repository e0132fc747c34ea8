/**
 * Typed message definitions. A message type is declared once, with a validator that checks a
 * body arriving from the wire before any handler runs (local sends are typed at compile time).
 *
 * @example
 *   const Ping = defineMessage('Ping', (body) => {
 *     if (typeof body !== 'object' || body === null) throw new Error('body must be an object');
 *     return body as { seq: number };
 *   });
 *   this.install(Ping, (from, ping) => this.send(from, Pong, { seq: ping.seq }));
 */
export interface MessageType<T> {
  /** The name on the wire, e.g. `RegisterAgent`. */
  readonly name: string;
  /** Returns the typed body or throws an Error naming what is wrong with it. */
  validate(body: unknown): T;
  /** Phantom field carrying the body type; never set. */
  readonly __body?: T;
}

/** Declares a message type; without a validator the body is accepted as is. */
export function defineMessage<T>(name: string, validate?: (body: unknown) => T): MessageType<T> {
  if (!/^[A-Za-z][A-Za-z0-9_.]*$/.test(name)) throw new Error(`invalid message name '${name}'`);
  return { name, validate: validate ?? ((body: unknown) => body as T) };
}

/** The body type carried by a message type. */
export type BodyOf<M> = M extends MessageType<infer T> ? T : never;
