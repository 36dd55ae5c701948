// Small shared pieces: language switch, toasts, confirm dialog, empty states.

import { h, icon, avatar } from '../dom.js';
import { t, getLocale, LOCALES } from '../i18n.js';

export function languageSwitch(onChange) {
  return h('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': t('nav.language') } },
    LOCALES.map((l) => h('button', {
      type: 'button',
      class: ['seg', l === getLocale() && 'on'],
      attrs: { 'aria-pressed': String(l === getLocale()), lang: l },
      on: { click: () => onChange(l) },
    }, l.toUpperCase())),
  );
}

let toastHost = null;

/** A transient message at the bottom of the screen; kind: info | success | error. */
export function toast(text, kind = 'info', ms = kind === 'success' ? 3500 : 6000) {
  if (!toastHost || !toastHost.isConnected) {
    toastHost = h('div', { class: 'toasts', attrs: { 'aria-live': 'polite', role: 'status' } });
    document.body.append(toastHost);
  }
  const close = () => el.remove();
  const el = h('div', { class: ['toast', `toast-${kind}`] },
    icon(kind === 'error' ? 'alert' : kind === 'success' ? 'check' : 'bell', 16),
    h('span', { class: 'toast-text' }, text),
    h('button', { type: 'button', class: 'icon-btn small', attrs: { 'aria-label': t('common.cancel') }, on: { click: close } }, icon('x', 14)),
  );
  // The same news twice is shown once; at most three at a time, newest last.
  for (const old of toastHost.querySelectorAll('.toast')) if (old.querySelector('.toast-text').textContent === text) old.remove();
  toastHost.append(el);
  while (toastHost.children.length > 3) toastHost.firstElementChild.remove();
  setTimeout(close, ms);
  return el;
}

/** A modal confirmation; resolves true/false. Esc and the Cancel button say no. */
export function confirmDialog(text, okLabel, danger = false) {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: 'confirm' },
      h('p', {}, text),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', on: { click: () => dlg.close('no') } }, t('common.cancel')),
        h('button', { type: 'button', class: ['btn', danger ? 'btn-danger' : 'btn-primary'], attrs: { autofocus: true }, on: { click: () => dlg.close('yes') } }, okLabel),
      ),
    );
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(dlg.returnValue === 'yes');
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

export function emptyState(iconName, title, body) {
  return h('div', { class: 'empty' },
    h('div', { class: 'empty-icon' }, icon(iconName, 28)),
    title && h('h2', {}, title),
    body && h('p', { class: 'muted' }, body),
  );
}

export function visitorName(visitor, sessionOrId) {
  if (visitor?.name) return visitor.name;
  const id = String(visitor?.id || sessionOrId || '');
  // The tail: ids are UUIDv7, whose head is a timestamp shared by neighbours.
  return `${t('chat.visitor')} #${id.replace(/-/g, '').slice(-4).toUpperCase()}`;
}

/** A visitor's avatar: coloured by visitor id, initials of the name or of "Visitor". */
export function visitorAvatar(visitor, visitorId, cls = '') {
  return avatar(visitorId || visitor?.id, visitor?.name || t('chat.visitor'), cls);
}
