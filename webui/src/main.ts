/** Entry point of the bundle: renders the app into `#app`. */
import { render } from 'preact';
import { App } from './app';
import { html } from './html';

const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');
render(html`<${App} />`, root);
