/**
 * The web UI's built files served beside a `/master/state` of the caller's (a standby's 307, a
 * large made-up cluster): what the browser tests and `bench:webui` open in Chromium.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

/** The browser the tests and `bench:webui` drive (Debian's package; `.ci/run` installs it). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The bundle the master serves (`dist/webui`); `npm run build` makes it. */
export const WEBUI_BUNDLE_DIR = path.resolve(__dirname, '../../webui');

/** A server of the UI's files whose `/master/state` is `answer`'s; listen on it yourself. */
export function serveBundle(answer: (response: http.ServerResponse) => void): http.Server {
  return http.createServer((request, response) => {
    const url = request.url ?? '/';
    if (url.startsWith('/master/state')) {
      answer(response);
      return;
    }
    const file = path.join(WEBUI_BUNDLE_DIR, url === '/' ? 'index.html' : path.normalize(url).replace(/^\/+/, ''));
    if (!file.startsWith(WEBUI_BUNDLE_DIR) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404);
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'text/html' });
    response.end(fs.readFileSync(file));
  });
}
