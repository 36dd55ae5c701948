// Form building blocks shared by the admin pages.

import { h } from '../dom.js';

let seq = 0;

/** A labelled control with an optional hint, linked for screen readers. */
export function field(label, control, hint) {
  const id = control.id || `f${++seq}`;
  control.id = id;
  const hintEl = hint && h('div', { class: 'field-hint', id: `${id}-hint` }, hint);
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { class: 'field-label', attrs: { for: id } }, label), control, hintEl);
}

export function pageHead(title, subtitle) {
  return h('header', { class: 'page-head' }, h('h1', {}, title), subtitle && h('p', { class: 'muted' }, subtitle));
}
