import { UPID } from '../actor/upid';

/** A message as filters and traces see it. */
export interface DeliveredMessage {
  from: UPID;
  to: UPID;
  name: string;
  body: unknown;
}

/** Matches messages by name, sender and/or receiver (UPID, its string, or a predicate). */
export interface MessagePattern {
  name?: string;
  from?: UPID | string | ((pid: UPID) => boolean);
  to?: UPID | string | ((pid: UPID) => boolean);
  where?: (message: DeliveredMessage) => boolean;
}

interface Rule {
  pattern: MessagePattern;
  drop: boolean;
  /** How many more messages this rule applies to; Infinity for "always". */
  remaining: number;
  resolve: ((message: DeliveredMessage) => void) | undefined;
}

/** A handle to remove a standing rule. */
export interface FilterHandle {
  remove(): void;
}

/**
 * Message filters for tests (libprocess' FUTURE_MESSAGE / DROP_MESSAGE). A host consults its
 * filters on every local delivery, before the message reaches the mailbox; share one
 * `MessageFilters` between hosts to watch a whole in-process cluster.
 *
 * @example
 *   const registered = filters.expect({ name: 'FrameworkRegistered' });
 *   filters.drop({ name: 'Pong' }, 'always');
 *   const message = await registered;
 */
export class MessageFilters {
  private rules: Rule[] = [];

  /** True when any rule is installed (hosts skip matching otherwise). */
  get active(): boolean {
    return this.rules.length > 0;
  }

  /** Resolves with the next matching message; the message is still delivered. */
  expect(pattern: MessagePattern): Promise<DeliveredMessage> {
    return new Promise((resolve) => this.rules.push({ pattern, drop: false, remaining: 1, resolve }));
  }

  /** Resolves with the next matching message, which is dropped. */
  expectDropped(pattern: MessagePattern): Promise<DeliveredMessage> {
    return new Promise((resolve) => this.rules.push({ pattern, drop: true, remaining: 1, resolve }));
  }

  /** Drops matching messages: the next `times` of them, or all of them with `'always'`. */
  drop(pattern: MessagePattern, times: number | 'always' = 1): FilterHandle {
    const rule: Rule = { pattern, drop: true, remaining: times === 'always' ? Infinity : times, resolve: undefined };
    this.rules.push(rule);
    return { remove: () => { this.rules = this.rules.filter((r) => r !== rule); } };
  }

  /** Removes every rule (pending `expect` promises never resolve). */
  clear(): void {
    this.rules = [];
  }

  /** @internal Applies the rules to one message; returns true if it must be dropped. */
  apply(message: DeliveredMessage): boolean {
    let dropped = false;
    for (const rule of [...this.rules]) {
      if (!matches(rule.pattern, message)) continue;
      if (--rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      rule.resolve?.(message);
      if (rule.drop) {
        dropped = true;
        break;
      }
    }
    return dropped;
  }
}

/** True when `message` satisfies every field `pattern` sets. */
export function matches(pattern: MessagePattern, message: DeliveredMessage): boolean {
  if (pattern.name !== undefined && pattern.name !== message.name) return false;
  if (pattern.from !== undefined && !matchesPid(pattern.from, message.from)) return false;
  if (pattern.to !== undefined && !matchesPid(pattern.to, message.to)) return false;
  return pattern.where === undefined || pattern.where(message);
}

function matchesPid(expected: UPID | string | ((pid: UPID) => boolean), actual: UPID): boolean {
  if (typeof expected === 'function') return expected(actual);
  const text = String(expected);
  // A bare id (no '@') matches that actor on any host.
  return text.includes('@') ? text === actual.toString() : text === actual.id;
}
