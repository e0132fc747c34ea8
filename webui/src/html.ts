/** The one way the UI writes markup: htm tagged templates over preact's `h`. */
import { h } from 'preact';
import htm from 'htm';

/** `html\`<div class="x">${value}</div>\`` builds preact vnodes. */
export const html = htm.bind(h);

/** What a component renders. */
export type Html = ReturnType<typeof html>;
