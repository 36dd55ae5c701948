// The main pane for one chat: header with actions, the full history (the AI part
// before the handoff included), typing indicator, composer; and the details column.

import { h, icon, replace } from '../dom.js';
import { t, timeOfDay, dayLabel, dateTime, errorText } from '../i18n.js';
import { toast, confirmDialog, emptyState, visitorName, visitorAvatar } from './widgets.js';

const GROUP_MS = 5 * 60 * 1000; // consecutive messages closer than this share a header
const HANDOFF_KINDS = new Set(['manager_requested', 'manager_joined']);

/** ctx: {store, chat, calls, subscribe}; id: the session shown. */
export function conversationView(ctx, id) {
  const { store } = ctx;
  const chat = store.state.chats.get(id);
  if (!chat) return h('main', { class: 'main' }, emptyState('chat', t('chat.none_title'), t('chat.none_body')));

  const header = h('header', { class: 'conv-head' });
  // The list is redrawn whole, so it is not itself a live region (screen readers
  // would re-read everything); new visitor messages are announced separately.
  const scroller = h('div', { class: 'messages', attrs: { role: 'region', 'aria-label': t('chat.messages'), tabindex: '0' } });
  const announcer = h('div', { class: 'sr-only', attrs: { 'aria-live': 'polite' } });
  let announcedSeq = chat.timeline.lastSeq;
  const typing = h('div', { class: 'typing-line', attrs: { 'aria-live': 'polite' } });
  const composer = composerView(ctx, chat);
  const details = h('aside', { class: 'details', attrs: { 'aria-label': t('details.title') } });
  const main = h('main', { class: 'main conv', dataset: { session: id } }, header, scroller, typing, composer.el, announcer);

  const draw = () => {
    drawHeader(ctx, chat, header);
    drawMessages(ctx, chat, scroller);
    drawDetails(chat, details);
    composer.update();
    if (!document.hidden) ctx.chat.markRead(id);
    const fresh = chat.timeline.messages.filter((m) => m.seq > announcedSeq && m.sender === 'visitor');
    if (fresh.length) announcer.textContent = fresh.map((m) => `${visitorName(chat.visitor, chat.session.visitor_id)}: ${m.text}`).join('\n');
    announcedSeq = Math.max(announcedSeq, chat.timeline.lastSeq);
  };
  const drawTyping = () => {
    replace(typing, chat.typing ? [h('span', { class: 'dots' }, h('i'), h('i'), h('i')), t('chat.typing', { name: visitorName(chat.visitor, chat.session.visitor_id) })] : []);
  };
  draw();
  drawTyping();
  ctx.subscribe(store.on(`chat:${id}`, draw));
  ctx.subscribe(store.on(`typing:${id}`, drawTyping));
  ctx.subscribe(store.on('call', () => drawHeader(ctx, chat, header)));
  const onVisible = () => !document.hidden && ctx.chat.markRead(id);
  document.addEventListener('visibilitychange', onVisible);
  ctx.subscribe(() => document.removeEventListener('visibilitychange', onVisible));
  queueMicrotask(() => composer.focus());
  return [main, details];
}

function drawHeader(ctx, chat, header) {
  const { session } = chat;
  const name = visitorName(chat.visitor, session.visitor_id);
  const active = session.status === 'active';
  const busy = !!(ctx.store.state.call || ctx.store.state.incoming);
  const callBtn = (media) => h('button', {
    type: 'button',
    class: 'icon-btn',
    disabled: !active || busy,
    attrs: { 'aria-label': t(media === 'video' ? 'chat.video_call' : 'chat.audio_call'), title: t(media === 'video' ? 'chat.video_call' : 'chat.audio_call'), 'data-action': `call-${media}` },
    on: { click: () => ctx.startCall(session.id, media) },
  }, icon(media === 'video' ? 'video' : 'phone'));
  const closeBtn = active
    ? h('button', { type: 'button', class: 'btn btn-sm', attrs: { 'data-action': 'close' }, on: { click: () => closeChat(ctx, session.id) } }, icon('check', 16), t('chat.close'))
    : session.status === 'closed'
      ? h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => ctx.chat.dismiss(session.id) } }, t('chat.dismiss'))
      : null;
  replace(header,
    visitorAvatar(chat.visitor, session.visitor_id, 'lg'),
    h('div', { class: 'conv-title' },
      h('h2', {}, name),
      h('div', { class: 'conv-sub' },
        h('span', { class: ['chip', `chip-${session.status}`] }, t(`status.${session.status}`)),
        chat.visitor?.email && h('span', { class: 'muted' }, chat.visitor.email))),
    h('div', { class: 'conv-actions' }, callBtn('audio'), callBtn('video'), closeBtn),
  );
}

async function closeChat(ctx, id) {
  if (!(await confirmDialog(t('chat.close_confirm'), t('chat.close'), true))) return;
  try {
    await ctx.chat.close(id);
  } catch (err) {
    toast(errorText(err), 'error');
  }
}

function drawMessages(ctx, chat, scroller) {
  const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  if (!chat.loaded && !chat.timeline.messages.length) {
    replace(scroller, chat.error
      ? h('div', { class: 'center-note' }, t('chat.load_failed'), ' ', h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => ctx.chat.load(chat.session.id) } }, t('chat.retry')))
      : h('div', { class: 'center-note muted' }, t('chat.loading')));
    return;
  }
  const msgs = chat.timeline.messages;
  const handoff = msgs.findIndex((m) => HANDOFF_KINDS.has(m.kind));
  const aiPart = handoff > 0 && msgs.slice(0, handoff).some((m) => m.sender === 'ai');
  const nodes = [];
  let prev = null;
  msgs.forEach((m, i) => {
    if (!prev || dayLabel(prev.created_at) !== dayLabel(m.created_at)) nodes.push(h('div', { class: 'day' }, h('span', {}, dayLabel(m.created_at))));
    if (i === 0 && aiPart) nodes.push(h('div', { class: 'ai-part-label' }, icon('sparkle', 14), t('chat.ai_part')));
    const inAi = aiPart && i < handoff;
    if (m.sender === 'system') nodes.push(systemLine(m));
    else nodes.push(bubble(ctx, chat, m, groupedWith(prev, m), inAi));
    prev = m;
  });
  for (const p of chat.timeline.pending.values()) nodes.push(pendingBubble(ctx, chat, p));
  replace(scroller, nodes);
  if (nearBottom || chat.stickBottom !== false) scroller.scrollTop = scroller.scrollHeight;
  chat.stickBottom = false;
}

function groupedWith(prev, m) {
  return prev && prev.sender === m.sender && prev.sender !== 'system' && prev.author?.id === m.author?.id && Date.parse(m.created_at) - Date.parse(prev.created_at) < GROUP_MS;
}

function systemLine(m) {
  return h('div', { class: ['sys', `sys-${m.kind}`], dataset: { seq: m.seq } }, h('span', {}, m.text || m.kind, h('time', { attrs: { datetime: m.created_at } }, ` · ${timeOfDay(m.created_at)}`)));
}

function bubble(ctx, chat, m, grouped, inAi) {
  const own = m.sender === 'manager';
  const who = m.sender === 'ai' ? t('chat.ai')
    : m.sender === 'visitor' ? visitorName(chat.visitor, chat.session.visitor_id)
      : m.author?.id === ctx.store.state.me?.id ? t('chat.you') : m.author?.name || t('role.manager');
  return h('div', { class: ['msg', `msg-${m.sender}`, own && 'own', grouped && 'grouped', inAi && 'in-ai'], dataset: { seq: m.seq, id: m.id } },
    !grouped && h('div', { class: 'msg-head' },
      m.sender === 'ai' && icon('sparkle', 12),
      h('span', { class: 'msg-who' }, who),
      h('time', { attrs: { datetime: m.created_at } }, timeOfDay(m.created_at))),
    h('div', { class: 'msg-text' }, m.text),
  );
}

function pendingBubble(ctx, chat, p) {
  return h('div', { class: ['msg', 'msg-manager', 'own', 'pending', p.failed && 'failed'], dataset: { clientId: p.client_id } },
    h('div', { class: 'msg-text' }, p.text),
    h('div', { class: 'msg-status' }, p.failed
      ? [icon('alert', 12), t('chat.failed'), ' ', h('button', { type: 'button', class: 'link', on: { click: () => ctx.chat.retry(chat.session.id, p.client_id) } }, t('chat.resend'))]
      : [icon('clock', 12), t('chat.sending')]),
  );
}

function composerView(ctx, chat) {
  const id = chat.session.id;
  const input = h('textarea', { rows: 1, value: chat.draft || '', placeholder: t('chat.placeholder'), attrs: { 'aria-label': t('chat.placeholder'), maxlength: 4000 } });
  const send = h('button', { type: 'submit', class: 'btn btn-primary send', attrs: { 'aria-label': t('chat.send') } }, icon('send', 16), h('span', {}, t('chat.send')));
  const banner = h('div', { class: 'closed-banner' }, t('chat.closed_banner'));
  const grow = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  };
  const submit = () => {
    const text = input.value.trim();
    if (!text || chat.session.status !== 'active') return;
    chat.stickBottom = true;
    ctx.chat.send(id, text);
    input.value = '';
    chat.draft = '';
    grow();
  };
  input.addEventListener('input', () => {
    chat.draft = input.value;
    grow();
    ctx.chat.typing(id, input.value.trim().length > 0);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit();
    }
  });
  const form = h('form', { class: 'composer', on: { submit: (ev) => { ev.preventDefault(); submit(); } } }, input, send);
  const el = h('div', { class: 'composer-wrap' }, banner, form);
  return {
    el,
    focus: () => chat.session.status === 'active' && input.focus(),
    update: () => {
      const open = chat.session.status === 'active';
      el.classList.toggle('is-closed', !open);
      input.disabled = !open;
      send.disabled = !open;
    },
  };
}

function drawDetails(chat, details) {
  const { session, visitor, notes } = chat;
  const row = (label, value) => h('div', { class: 'kv' }, h('dt', {}, label), h('dd', {}, value || '—'));
  replace(details,
    h('h3', { class: 'details-title' }, t('details.visitor')),
    h('dl', { class: 'kvs' },
      row(t('details.name'), visitor?.name),
      row(t('details.email'), visitor?.email),
      row(t('details.status'), t(`status.${session.status}`)),
      row(t('details.started'), dateTime(session.created_at)),
      row(t('details.requested'), session.requested_at && dateTime(session.requested_at)),
      row(t('details.accepted'), session.accepted_at && dateTime(session.accepted_at))),
    h('h3', { class: 'details-title' }, icon('sparkle', 14), t('details.summary')),
    notes?.length
      ? notes.map((n) => h('div', { class: 'note' }, h('p', {}, n.text), h('time', { attrs: { datetime: n.created_at } }, dateTime(n.created_at))))
      : h('p', { class: 'muted small' }, t('details.no_summary')),
  );
}
