/**
 * The `webui` actor: serves the web UI that `scripts/build-webui.js` bundles into `dist/webui/`
 * (`index.html` and `assets/`). The master's host makes it its delegate
 * (`host.setDelegate(WEBUI_ACTOR_ID)`), so the paths that name no actor reach it: `/` answers
 * `index.html`, `/assets/<file>` a bundled file, anything else 404. The files are read once,
 * when the bundle is loaded, and served from memory. Without a bundle (the UI was not built),
 * `/` and `/assets/...` answer 503 with a text saying how to build it.
 *
 * The page itself reads `/master/state` (same origin) and, by JSONP, the agents' `/state` and
 * `/files` (see webui/src/api.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Actor } from '../../lib/actor';
import { methodNotAllowed, type HttpRequest, type HttpResponse } from '../../lib/process';

/** The web UI actor's id; the master's host delegates to it. */
export const WEBUI_ACTOR_ID = 'webui';

/** Where the build puts the bundle: `dist/webui/` (this file compiles to `dist/actors/master/`). */
export const WEBUI_BUNDLE_DIRECTORY = path.resolve(__dirname, '../../webui');

/** Largest single file of the bundle served (the minified app is ~50 KiB; anything this big is not ours). */
export const MAX_WEBUI_FILE_BYTES = 4 * 1024 * 1024;

/** Most files read from `assets/` (the build writes two: one script, one style sheet). */
export const MAX_WEBUI_ASSET_FILES = 32;

/** `index.html` may change with every build, so browsers revalidate it each time. */
const INDEX_CACHE_CONTROL = 'no-cache';

/** Assets carry their content hash in their names (`app-3FJ2K1.js`): cache them for a year. */
const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/**
 * What the page may load: its own files only (no script from anywhere else), and data from the
 * agents (their `/state` and `/files`, on other ports and hosts, read by `fetch` with CORS).
 */
const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' http: https:; frame-ancestors 'none'";

/** Content types by file extension; files of other extensions are not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** One file of the bundle, ready to send. */
export interface WebUiFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
}

/** The bundle as loaded: its files by URL path (`/`, `/assets/app-X.js`), or why there is none. */
export type WebUiBundle =
  | { readonly built: true; readonly files: ReadonlyMap<string, WebUiFile> }
  | { readonly built: false; readonly reason: string };

/**
 * Reads the bundle in `directory` (default `dist/webui/`): `index.html` and the files of
 * `assets/` with a known extension, each at most `MAX_WEBUI_FILE_BYTES`, at most
 * `MAX_WEBUI_ASSET_FILES` of them. A missing `index.html` means "not built"; a file over the
 * limit or too many files is an error (a broken build), also reported as not built, with why.
 */
export function loadWebUiBundle(directory: string = WEBUI_BUNDLE_DIRECTORY): WebUiBundle {
  const index = path.join(directory, 'index.html');
  if (!fs.existsSync(index)) return { built: false, reason: `${index} does not exist` };
  try {
    const files = new Map<string, WebUiFile>();
    files.set('/', { body: readBounded(index), contentType: CONTENT_TYPES['.html'] as string, cacheControl: INDEX_CACHE_CONTROL });
    const assets = path.join(directory, 'assets');
    const names = fs.existsSync(assets) ? fs.readdirSync(assets).sort() : [];
    const served = names.filter((name) => CONTENT_TYPES[path.extname(name)] !== undefined);
    if (served.length > MAX_WEBUI_ASSET_FILES) throw new Error(`${assets} holds ${served.length} files, more than ${MAX_WEBUI_ASSET_FILES}`);
    for (const name of served) {
      const file = path.join(assets, name);
      if (!fs.statSync(file).isFile()) continue;
      files.set(`/assets/${name}`, { body: readBounded(file), contentType: CONTENT_TYPES[path.extname(name)] as string, cacheControl: ASSET_CACHE_CONTROL });
    }
    return { built: true, files };
  } catch (error) {
    return { built: false, reason: (error as Error).message };
  }
}

/** Serves a loaded web UI bundle (see the file comment). */
export class WebUiActor extends Actor {
  /** @param bundle what `loadWebUiBundle` read (default: the build's `dist/webui/`) */
  constructor(private readonly bundle: WebUiBundle = loadWebUiBundle()) {
    super(WEBUI_ACTOR_ID);
    this.route('/', (request) => this.serve(request, '/'));
    this.route('/index.html', (request) => this.serve(request, '/'));
    this.route('/assets/*', (request) => this.serve(request, request.path));
  }

  protected override initialize(): void {
    if (!this.bundle.built) this.log.warn({ reason: this.bundle.reason }, 'the web UI is not built; / answers 503');
  }

  private serve(request: HttpRequest, urlPath: string): HttpResponse {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return methodNotAllowed(['GET', 'HEAD'], `${request.method} is not allowed here\n`, 'text', { 'content-type': 'text/plain; charset=utf-8' });
    }
    if (!this.bundle.built) {
      return {
        status: 503,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        body: `The web UI is not built (${this.bundle.reason}).\nBuild it with 'npm run build' (or 'node scripts/build-webui.js') in the mesos-ts checkout, then restart the master.\nThe master's JSON is served meanwhile at /master/state.\n`,
      };
    }
    const file = this.bundle.files.get(urlPath);
    if (file === undefined) {
      return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `no such file '${urlPath}' in the web UI\n` };
    }
    const headers: Record<string, string> = {
      'content-type': file.contentType,
      'cache-control': file.cacheControl,
      'x-content-type-options': 'nosniff',
    };
    if (urlPath === '/') headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
    return { status: 200, headers, body: file.body };
  }
}

function readBounded(file: string): Buffer {
  const size = fs.statSync(file).size;
  if (size > MAX_WEBUI_FILE_BYTES) throw new Error(`${file} is ${size} bytes, more than ${MAX_WEBUI_FILE_BYTES}`);
  return fs.readFileSync(file);
}
