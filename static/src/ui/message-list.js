// The conversation as DOM: one row per message, kept by the message's stable
// key so a message moving from "sending" to "sent" (or a streaming AI reply
// growing) updates in place instead of being rebuilt and re-animated.

import { h, initials } from './dom.js';
import { icon } from './icons.js';
import { linkify } from './linkify.js';
import { formatTime } from '../i18n.js';

const GROUP_GAP_MS = 5 * 60 * 1000;
const SYSTEM_KEYS = {
  manager_joined: 'managerJoined',
  manager_requested: 'managerRequested',
  session_closed: 'sessionClosed',
  call_started: 'callStarted',
  call_ended: 'callEnded',
};

function isDivider(m) {
  return m.sender === 'system' || (m.kind && m.kind !== 'text' && SYSTEM_KEYS[m.kind]);
}

function sameGroup(a, b) {
  if (!a || !b || isDivider(a) || isDivider(b) || a.sender !== b.sender) return false;
  if ((a.author && a.author.id) !== (b.author && b.author.id)) return false;
  return Math.abs(new Date(b.created_at) - new Date(a.created_at)) < GROUP_GAP_MS;
}

export class MessageList {
  /** `ctx` gives {t, locale, onRetry(clientId), canRetry()}. */
  constructor(ctx) {
    this.ctx = ctx;
    this.el = h('div', { class: 'msgs' });
    this.rows = new Map(); // key -> {el, sig}
  }

  /** Forget every row (locale change, new conversation). */
  reset() {
    this.rows.clear();
    this.el.replaceChildren();
  }

  render(items) {
    const seen = new Set();
    let fresh = 0;
    for (const it of items) if (!this.rows.has(it.key)) fresh++;
    // A burst (history restored after a reload) appears at once, not row by row.
    const animate = fresh <= 3;
    let cursor = this.el.firstChild;
    items.forEach((it, i) => {
      seen.add(it.key);
      const prev = items[i - 1];
      const next = items[i + 1];
      const first = !sameGroup(prev, it);
      const last = !sameGroup(it, next);
      const sig = [it.text, it.status, it.kind, first, last, it.author && it.author.name, this.ctx.locale, this.ctx.canRetry()].join('\u0001');
      let row = this.rows.get(it.key);
      if (!row) {
        row = { el: h('div'), sig: null };
        if (animate) row.el.classList.add('enter');
        this.rows.set(it.key, row);
      }
      if (row.sig !== sig) {
        this.build(row.el, it, first, last);
        row.sig = sig;
      }
      if (row.el !== cursor) this.el.insertBefore(row.el, cursor);
      else cursor = cursor.nextSibling;
    });
    for (const [key, row] of this.rows) {
      if (!seen.has(key)) {
        row.el.remove();
        this.rows.delete(key);
      }
    }
  }

  build(el, m, first, last) {
    const { t } = this.ctx;
    const keepEnter = el.classList.contains('enter');
    el.replaceChildren();
    el.removeAttribute('data-status');
    el.dataset.key = m.key;
    if (isDivider(m)) {
      el.className = 'divider';
      el.setAttribute('role', 'note');
      const label = SYSTEM_KEYS[m.kind] ? t(SYSTEM_KEYS[m.kind]) : m.text;
      const pill = h('span', { class: 'divider-pill' });
      if (m.kind === 'manager_joined') {
        const name = m.author && m.author.name;
        el.classList.add('joined');
        pill.append(h('span', { class: 'mini-ava', 'aria-hidden': 'true', text: initials(name || t('manager')) }));
        if (name) pill.append(h('span', { class: 'joined-name', text: name }));
        pill.append(h('span', { text: label }));
      } else {
        if (m.kind === 'call_started' || m.kind === 'call_ended') pill.append(icon('phone', 'sm'));
        pill.append(label);
      }
      el.append(pill);
      if (keepEnter) el.classList.add('enter');
      return;
    }
    const mine = m.sender === 'visitor';
    el.className = 'row ' + (mine ? 'mine' : 'theirs') + (first ? ' first' : '') + (last ? ' last' : '');
    if (keepEnter) el.classList.add('enter');
    el.dataset.sender = m.sender;
    if (m.status) el.dataset.status = m.status;
    const stack = h('div', { class: 'stack' });
    if (!mine) {
      const ava =
        m.sender === 'ai'
          ? h('div', { class: 'ava ai' }, icon('sparkle'))
          : h('div', { class: 'ava', text: initials(m.author && m.author.name) });
      el.append(last ? ava : h('div', { class: 'ava spacer' }));
      if (first) {
        const name = m.sender === 'ai' ? t('aiTitle') : (m.author && m.author.name) || t('manager');
        stack.append(h('div', { class: 'author', text: name }));
      }
    }
    const bubble = h('div', { class: 'bubble' });
    bubble.append(linkify(m.text));
    if (m.status === 'streaming') bubble.append(h('span', { class: 'caret', 'aria-hidden': 'true' }));
    stack.append(bubble);
    const meta = this.meta(m, mine, last);
    if (meta) stack.append(meta);
    el.append(stack);
  }

  meta(m, mine, last) {
    const { t, locale } = this.ctx;
    if (m.status === 'failed') {
      // Once the chat is closed a retry has nowhere to go.
      const retry = this.ctx.canRetry()
        ? [' · ', h('button', { type: 'button', class: 'link', onclick: () => this.ctx.onRetry(m.client_id), text: t('retry') })]
        : [];
      return h('div', { class: 'meta failed' }, icon('alert', 'sm'), t('failed'), ...retry);
    }
    if (m.status === 'sending') {
      return h('div', { class: 'meta', title: t('sending') }, icon('clock', 'sm'), h('span', { class: 'sr', text: t('sending') }));
    }
    if (!last || m.status === 'streaming' || m.local_only) return null;
    return h('div', { class: 'meta' }, formatTime(locale, m.created_at), mine ? icon('check', 'sm') : null);
  }
}
