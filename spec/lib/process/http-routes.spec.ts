import { expect } from 'chai';
import { ok, type ActorHost } from '../../../lib/process';
import { netHost, Probe } from '../../support/runtime';

describe('HTTP routing on a host', () => {
  let host: ActorHost;

  beforeEach(async () => {
    host = await netHost();
    class Web extends Probe {
      constructor(id: string) {
        super(id);
        this.route('/state', () => ok({ id, answer: 42 }));
        this.route('/text', () => ok('plain'));
        this.route('/', (request) => ok({ root: request.path }));
        this.route('/static/*', (request) => ok({ file: request.path }));
        this.route('/static/deep/*', (request) => ok({ deep: request.path }));
      }
    }
    host.spawn(new Web('web'));
    host.spawn(new Web('ui'));
  });

  afterEach(async () => {
    await host.stop();
  });

  async function get(path: string): Promise<{ status: number; type: string | null; text: string }> {
    const response = await fetch(`http://${host.address}${path}`);
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }

  it('serves a route with a trailing slash as without it, as libprocess does', async () => {
    expect(JSON.parse((await get('/web/state/')).text)).to.deep.equal({ id: 'web', answer: 42 });
    expect((await get('/web/missing/')).status).to.equal(404);
  });

  it('serves every path below a prefix route, the longest prefix first', async () => {
    expect(JSON.parse((await get('/web/static/app.js')).text)).to.deep.equal({ file: '/static/app.js' });
    expect(JSON.parse((await get('/web/static/deep/x.css')).text)).to.deep.equal({ deep: '/static/deep/x.css' });
    expect((await get('/web/stat')).status).to.equal(404);
  });

  it('sends paths that name no actor to the delegate, and 404 without one', async () => {
    expect((await get('/')).status).to.equal(404);
    expect((await get('/static/app.js')).status).to.equal(404);
    host.setDelegate('ui');
    expect(JSON.parse((await get('/')).text)).to.deep.equal({ root: '/' });
    expect(JSON.parse((await get('/static/app.js')).text)).to.deep.equal({ file: '/static/app.js' });
    // An actor's own paths stay its own, and a path it lacks is not handed to the delegate.
    expect(JSON.parse((await get('/web/state')).text)).to.deep.equal({ id: 'web', answer: 42 });
    expect((await get('/web/nothing')).status).to.equal(404);
  });

  it('wraps JSON in a JSONP callback and refuses a callback that is not an identifier', async () => {
    const wrapped = await get('/web/state?jsonp=app.handle');
    expect(wrapped.status).to.equal(200);
    expect(wrapped.type).to.equal('text/javascript');
    expect(wrapped.text).to.equal('app.handle({"id":"web","answer":42});');
    expect((await get('/web/text?jsonp=cb')).text).to.equal('plain');
    const hostile = await get(`/web/state?jsonp=${encodeURIComponent('alert(1)//')}`);
    expect(hostile.status).to.equal(400);
    expect(hostile.text).to.match(/invalid 'jsonp' callback/);
  });
});
