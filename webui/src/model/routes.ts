/**
 * The UI's pages and their URLs: hash routes, so the master serves one page (`/`) and a link
 * can be shared. `#/agents/<id>`, `#/frameworks/<id>`, `#/tasks/<framework>/<task>`,
 * `#/sandbox/<agent>/<framework>/<executor>?path=<dir>&file=<file>`.
 */

/** A page of the UI. */
export type Route =
  | { readonly page: 'overview' }
  | {
    readonly page: 'agents';
    /** Only agents whose id or `host:port` holds this (any case). */
    readonly filter?: string;
    /** The first row shown (0-based, a multiple of `AGENTS_PAGE_ROWS`); 0 when absent. */
    readonly start?: number;
  }
  | { readonly page: 'agent'; readonly agentId: string }
  | { readonly page: 'frameworks' }
  | { readonly page: 'framework'; readonly frameworkId: string }
  | { readonly page: 'tasks'; readonly state: string | undefined }
  | { readonly page: 'task'; readonly frameworkId: string; readonly taskId: string }
  | {
    readonly page: 'sandbox'; readonly agentId: string; readonly frameworkId: string; readonly executorId: string;
    /** The directory browsed, relative to the sandbox ('' = the sandbox itself). */
    readonly path: string;
    /** The file tailed, relative to the sandbox; undefined: none. */
    readonly file: string | undefined;
  }
  | { readonly page: 'not-found'; readonly hash: string };

/** The route of `hash` (`location.hash`, with or without `#`). */
export function parseRoute(hash: string): Route {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const queryAt = text.indexOf('?');
  const pathText = queryAt === -1 ? text : text.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : text.slice(queryAt + 1));
  let parts: string[];
  try {
    parts = pathText.split('/').filter((part) => part !== '').map(decodeURIComponent);
  } catch {
    return { page: 'not-found', hash };
  }
  const [first, second, third, fourth] = parts;
  switch (first) {
    case undefined: return { page: 'overview' };
    case 'agents':
      if (parts.length === 1) {
        const filter = query.get('filter') ?? '';
        const start = Number(query.get('start') ?? '0');
        return { page: 'agents', ...(filter === '' ? {} : { filter }), ...(Number.isSafeInteger(start) && start > 0 ? { start } : {}) };
      }
      if (parts.length === 2) return { page: 'agent', agentId: second as string };
      break;
    case 'frameworks':
      if (parts.length === 1) return { page: 'frameworks' };
      if (parts.length === 2) return { page: 'framework', frameworkId: second as string };
      break;
    case 'tasks':
      if (parts.length === 1) return { page: 'tasks', state: query.get('state') ?? undefined };
      if (parts.length === 3) return { page: 'task', frameworkId: second as string, taskId: third as string };
      break;
    case 'sandbox':
      if (parts.length === 4) {
        return {
          page: 'sandbox', agentId: second as string, frameworkId: third as string, executorId: fourth as string,
          path: query.get('path') ?? '', file: query.get('file') ?? undefined,
        };
      }
      break;
  }
  return { page: 'not-found', hash };
}

/** The hash of `route` (the inverse of `parseRoute`). */
export function routeHash(route: Route): string {
  const segment = encodeURIComponent;
  switch (route.page) {
    case 'overview': return '#/';
    case 'agents': {
      const query = new URLSearchParams();
      if (route.filter !== undefined && route.filter !== '') query.set('filter', route.filter);
      if (route.start !== undefined && route.start > 0) query.set('start', String(route.start));
      const text = query.toString();
      return text === '' ? '#/agents' : `#/agents?${text}`;
    }
    case 'agent': return `#/agents/${segment(route.agentId)}`;
    case 'frameworks': return '#/frameworks';
    case 'framework': return `#/frameworks/${segment(route.frameworkId)}`;
    case 'tasks': return route.state === undefined ? '#/tasks' : `#/tasks?state=${segment(route.state)}`;
    case 'task': return `#/tasks/${segment(route.frameworkId)}/${segment(route.taskId)}`;
    case 'sandbox': {
      const query = new URLSearchParams();
      if (route.path !== '') query.set('path', route.path);
      if (route.file !== undefined) query.set('file', route.file);
      const text = query.toString();
      return `#/sandbox/${segment(route.agentId)}/${segment(route.frameworkId)}/${segment(route.executorId)}${text === '' ? '' : `?${text}`}`;
    }
    case 'not-found': return route.hash;
  }
}
