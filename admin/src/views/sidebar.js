// The inbox sidebar: presence, stats, the live queue and the manager's chats.

import { h, icon, replace } from '../dom.js';
import { t, duration, timeOfDay, errorText } from '../i18n.js';
import { toast, visitorName, visitorAvatar } from './widgets.js';

/**
 * ctx: {store, chat (ChatClient), open(id)}. Returns the element; it redraws itself
 * on the store's "queue", "stats", "chats", "current" and "presence" topics.
 */
export function sidebarView(ctx) {
  const { store } = ctx;
  const presence = h('button', { type: 'button', class: 'presence', on: { click: () => togglePresence(ctx) } });
  const stats = h('div', { class: 'stats' });
  const queueCount = h('span', { class: 'count' });
  const queue = h('ul', { class: 'list queue', attrs: { 'aria-label': t('queue.title') } });
  const chatsCount = h('span', { class: 'count' });
  const chats = h('ul', { class: 'list chats', attrs: { 'aria-label': t('chats.title') } });

  const el = h('aside', { class: 'sidebar', attrs: { 'aria-label': t('nav.inbox') } },
    h('header', { class: 'sidebar-head' }, h('h1', {}, t('nav.inbox')), presence),
    stats,
    h('section', { class: 'sidebar-section', attrs: { 'aria-labelledby': 'queue-title' } },
      h('h2', { id: 'queue-title', class: 'section-title' }, t('queue.title'), queueCount), queue),
    h('section', { class: 'sidebar-section grow', attrs: { 'aria-labelledby': 'chats-title' } },
      h('h2', { id: 'chats-title', class: 'section-title' }, t('chats.title'), chatsCount), chats),
    h('footer', { class: 'keys-hint' }, t('keys.hint')),
  );

  const drawPresence = () => {
    const p = store.state.presence;
    presence.className = `presence presence-${p}`;
    presence.setAttribute('aria-label', t('presence.toggle', { status: t(`presence.${p}`) }));
    presence.setAttribute('aria-pressed', String(p === 'online'));
    replace(presence, h('span', { class: 'dot' }), t(`presence.${p}`));
  };
  const drawStats = () => {
    const s = store.state.stats;
    replace(stats,
      stat(t('stats.waiting'), s.waiting, s.waiting > 0 ? 'warn' : ''),
      stat(t('stats.online'), s.online_managers, ''),
      stat(t('stats.active'), s.active_sessions, ''),
    );
  };
  const drawQueue = () => {
    const entries = store.state.queue;
    queueCount.textContent = entries.length ? String(entries.length) : '';
    if (!entries.length) replace(queue, h('li', { class: 'list-empty' }, t('queue.empty')));
    else replace(queue, entries.map((e) => queueItem(ctx, e)));
  };
  const drawChats = () => {
    const list = [...store.state.chats.values()].sort(byActivity);
    chatsCount.textContent = list.length ? String(list.length) : '';
    if (!list.length) replace(chats, h('li', { class: 'list-empty' }, t('chats.empty')));
    else replace(chats, list.map((c) => chatItem(ctx, c)));
  };

  drawPresence();
  drawStats();
  drawQueue();
  drawChats();
  ctx.subscribe(store.on('presence', drawPresence));
  ctx.subscribe(store.on('stats', drawStats));
  ctx.subscribe(store.on('queue', drawQueue));
  ctx.subscribe(store.on('chats', drawChats));
  ctx.subscribe(store.on('current', drawChats));
  return el;
}

function stat(label, value, tone) {
  return h('div', { class: ['stat', tone && `stat-${tone}`] }, h('div', { class: 'stat-value' }, String(value ?? 0)), h('div', { class: 'stat-label' }, label));
}

async function togglePresence(ctx) {
  const next = ctx.store.state.presence === 'online' ? 'away' : 'online';
  try {
    await ctx.chat.setPresence(next);
  } catch (err) {
    toast(errorText(err), 'error');
  }
}

function queueItem(ctx, entry) {
  const name = visitorName(entry.visitor, entry.session_id);
  const btn = h('button', { type: 'button', class: 'btn btn-primary btn-sm', attrs: { 'aria-label': `${t('queue.accept')}: ${name}` } }, t('queue.accept'));
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    btn.textContent = t('queue.accepting');
    try {
      await ctx.chat.accept(entry.session_id);
      ctx.open(entry.session_id);
    } catch (err) {
      // 409: someone else was faster, or we are at max_chats. Say which, plainly.
      if (err.code === 'conflict') {
        const mine = [...ctx.store.state.chats.values()].filter((c) => c.session.status === 'active').length;
        const max = ctx.store.state.me?.max_chats;
        toast(max != null && mine >= max ? t('queue.full') : t('queue.taken'), 'error');
        ctx.chat.refreshQueue();
      } else toast(errorText(err), 'error');
      if (btn.isConnected) {
        btn.disabled = false;
        btn.textContent = t('queue.accept');
      }
    }
  });
  return h('li', { class: 'item queue-item', dataset: { session: entry.session_id } },
    visitorAvatar(entry.visitor, entry.visitor?.id || entry.session_id),
    h('div', { class: 'item-body' },
      h('div', { class: 'item-top' },
        h('span', { class: 'item-name' }, name),
        h('span', { class: 'item-meta wait', attrs: { title: timeOfDay(entry.requested_at) } }, icon('clock', 12), h('span', { dataset: { since: entry.requested_at } }, duration(Date.now() - Date.parse(entry.requested_at))))),
      h('div', { class: 'item-bottom' },
        h('span', { class: ['item-preview', 'clamp', !entry.preview && 'muted'] }, entry.preview || t('queue.no_preview')),
        btn),
    ),
  );
}

export function byActivity(a, b) {
  // Open chats first, then the most recent activity first.
  const closedA = a.session.status === 'closed';
  const closedB = b.session.status === 'closed';
  if (closedA !== closedB) return closedA ? 1 : -1;
  return lastAt(b).localeCompare(lastAt(a));
}

function lastAt(chat) {
  const msgs = chat.timeline.messages;
  return msgs.length ? msgs[msgs.length - 1].created_at : chat.session.accepted_at || chat.session.created_at;
}

function chatItem(ctx, chat) {
  const { session } = chat;
  const name = visitorName(chat.visitor, session.visitor_id);
  const msgs = chat.timeline.messages;
  // The last thing said; with no text yet, the last event (a call, the handoff).
  const last = [...msgs].reverse().find((m) => m.kind === 'text') || msgs[msgs.length - 1];
  const current = ctx.store.state.current === session.id;
  const closed = session.status === 'closed';
  const preview = chat.typing ? h('span', { class: 'typing-text' }, t('chat.typing', { name: '' }).trim())
    : last ? (last.sender === 'manager' && last.kind === 'text' ? `${t('chat.you')}: ${last.text}` : last.text) : '';
  return h('li', { class: 'item-wrap' },
    h('a', {
      href: `#/inbox/${session.id}`,
      class: ['item', 'chat-item', current && 'current', closed && 'closed', chat.unread > 0 && 'has-unread'],
      dataset: { session: session.id },
      attrs: { 'aria-current': current ? 'true' : null },
    },
      visitorAvatar(chat.visitor, session.visitor_id),
      h('div', { class: 'item-body' },
        h('div', { class: 'item-top' },
          h('span', { class: 'item-name' }, name),
          h('span', { class: 'item-meta' }, closed ? t('chats.closed') : last ? timeOfDay(last.created_at) : '')),
        h('div', { class: 'item-bottom' },
          h('span', { class: 'item-preview' }, preview),
          chat.unread > 0 && h('span', { class: 'badge', attrs: { 'aria-label': `${chat.unread} unread` } }, String(chat.unread))),
      ),
    ),
  );
}
