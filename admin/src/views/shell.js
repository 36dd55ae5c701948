// The signed-in layout: navigation rail, then per route either the inbox (sidebar,
// conversation, details) or an admin page. Each redraw of a region disposes the
// subscriptions of what it replaces.

import { h, icon, avatar, replace } from '../dom.js';
import { t, duration, clock, getLocale, setLocale } from '../i18n.js';
import { soundEnabled, setSound, unlockAudio, askNotificationPermission } from '../alerts.js';
import { sidebarView, byActivity } from './sidebar.js';
import { conversationView } from './conversation.js';
import { callLayer } from './call-ui.js';
import { teamView } from './team.js';
import { settingsView } from './settings.js';
import { faqView } from './faq.js';
import { emptyState } from './widgets.js';

/** A set of unsubscribe functions, disposed together when a region is redrawn. */
function scope() {
  const subs = [];
  return { subscribe: (off) => subs.push(off), dispose: () => subs.splice(0).forEach((off) => off()) };
}

export function parseRoute(hash) {
  const [, route = 'inbox', id = null] = (hash || '').replace(/^#\/?/, '#/').split('/');
  return { route: ['inbox', 'team', 'settings', 'faq'].includes(route) ? route : 'inbox', id };
}

/** base: {store, api, chat, calls, logout(), relocalize(), startCall(id, media)} */
export function shellView(base) {
  const { store } = base;
  const admin = store.state.me.role === 'admin';
  const outer = scope();
  const ctx = { ...base, subscribe: outer.subscribe, open: (id) => { location.hash = `#/inbox/${id}`; } };

  const banner = h('div', { class: 'conn-banner', attrs: { role: 'status', 'aria-live': 'polite' } });
  const body = h('div', { class: 'body' });
  const rail = railView(ctx, admin);
  const root = h('div', { class: 'shell' }, rail, h('div', { class: 'workspace' }, banner, body), callLayer(ctx));
  root.addEventListener('pointerdown', unlockAudio, { once: true });

  let region = scope();
  let sidebar = null;
  let sidebarScope = scope();
  const draw = () => {
    const { route, id } = parseRoute(location.hash);
    store.state.route = route;
    region.dispose();
    region = scope();
    const rctx = { ...ctx, subscribe: region.subscribe };
    if (route === 'inbox') {
      store.state.current = id && store.state.chats.has(id) ? id : null;
      if (!sidebar) sidebar = sidebarView({ ...ctx, subscribe: sidebarScope.subscribe });
      const pane = store.state.current ? conversationView(rctx, store.state.current) : idlePane(rctx);
      replace(body, sidebar, pane);
    } else {
      sidebarScope.dispose();
      sidebarScope = scope();
      sidebar = null;
      store.state.current = null;
      const view = route === 'team' ? teamView : route === 'settings' ? settingsView : faqView;
      replace(body, admin ? view(rctx) : h('main', { class: 'main' }, emptyState('settings', null, t('admin.only'))));
    }
    store.emit('current', 'route');
  };
  window.addEventListener('hashchange', draw);
  outer.subscribe(() => window.removeEventListener('hashchange', draw));
  // A chat that was in the URL before its data arrived: show it once it exists.
  outer.subscribe(store.on('chats', () => {
    const { route, id } = parseRoute(location.hash);
    if (route === 'inbox' && id && store.state.current !== id && store.state.chats.has(id)) draw();
    if (route === 'inbox' && store.state.current && !store.state.chats.has(store.state.current)) location.hash = '#/inbox';
  }));

  const drawBanner = () => {
    const c = store.state.connection;
    banner.hidden = c === 'online';
    banner.textContent = c === 'connecting' ? t('conn.connecting') : c === 'offline' ? t('conn.offline') : '';
    banner.className = `conn-banner conn-${c}`;
  };
  drawBanner();
  outer.subscribe(store.on('connection', drawBanner));

  // Title shows what needs attention, so a background tab is informative too.
  const drawTitle = () => {
    const unread = [...store.state.chats.values()].reduce((n, c) => n + c.unread, 0);
    const waiting = store.state.queue.length;
    const n = unread + waiting;
    document.title = `${n ? `(${n}) ` : ''}${t('app.name')}`;
  };
  outer.subscribe(store.on('chats', drawTitle));
  outer.subscribe(store.on('queue', drawTitle));

  const tick = setInterval(() => {
    const now = Date.now();
    for (const el of root.querySelectorAll('[data-since]')) el.textContent = duration(now - Date.parse(el.dataset.since));
    for (const el of root.querySelectorAll('.call-timer[data-started-at]')) if (el.dataset.startedAt) el.textContent = clock(now - Number(el.dataset.startedAt));
  }, 1000);
  outer.subscribe(() => clearInterval(tick));

  // Keyboard: Alt+↑/↓ moves between chats, Alt+A accepts the oldest request
  // (by the key's position, so it works on a Russian layout too).
  const onKey = (ev) => {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || store.state.route !== 'inbox') return;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      const ids = [...store.state.chats.values()].sort(byActivity).map((c) => c.session.id);
      if (!ids.length) return;
      const i = ids.indexOf(store.state.current);
      const next = ev.key === 'ArrowDown' ? (i + 1) % ids.length : (i - 1 + ids.length) % ids.length;
      ctx.open(ids[i === -1 ? 0 : next]);
      ev.preventDefault();
    } else if (ev.code === 'KeyA') {
      root.querySelector('.queue-item button:not(:disabled)')?.click();
      ev.preventDefault();
    }
  };
  document.addEventListener('keydown', onKey);
  outer.subscribe(() => document.removeEventListener('keydown', onKey));

  draw();
  drawTitle();
  return {
    el: root,
    dispose: () => {
      region.dispose();
      sidebarScope.dispose();
      outer.dispose();
    },
  };
}

function railView(ctx, admin) {
  const { store } = ctx;
  const items = [['inbox', 'inbox', t('nav.inbox')]];
  if (admin) items.push(['team', 'users', t('nav.team')], ['settings', 'settings', t('nav.settings')], ['faq', 'book', t('nav.faq')]);
  const links = items.map(([route, ic, label]) => h('a', { href: `#/${route}`, class: 'rail-link', dataset: { route }, attrs: { 'aria-label': label, title: label } }, icon(ic, 20), route === 'inbox' && h('span', { class: 'rail-badge', hidden: true })));
  const drawActive = () => {
    for (const a of links) {
      const on = a.dataset.route === store.state.route;
      a.classList.toggle('on', on);
      if (on) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const badge = links[0].querySelector('.rail-badge');
    const n = store.state.queue.length;
    badge.hidden = n === 0;
    badge.textContent = String(n);
  };
  ctx.subscribe(store.on('route', drawActive));
  ctx.subscribe(store.on('queue', drawActive));

  const sound = h('button', { type: 'button', class: 'rail-link' });
  const drawSound = () => {
    const on = soundEnabled();
    sound.setAttribute('aria-label', t(on ? 'nav.sound_on' : 'nav.sound_off'));
    sound.title = t(on ? 'nav.sound_on' : 'nav.sound_off');
    sound.setAttribute('aria-pressed', String(on));
    sound.classList.toggle('muted-ic', !on);
    replace(sound, icon('bell', 20));
  };
  sound.addEventListener('click', () => {
    setSound(!soundEnabled());
    unlockAudio();
    askNotificationPermission(); // a user gesture: the moment browsers allow asking
    drawSound();
  });
  drawSound();

  const next = getLocale() === 'ru' ? 'en' : 'ru';
  const lang = h('button', { type: 'button', class: 'rail-link lang', attrs: { 'aria-label': `${t('nav.language')}: ${next.toUpperCase()}`, title: t('nav.language') }, on: { click: () => { setLocale(next); ctx.relocalize(); } } }, getLocale().toUpperCase());
  const me = store.state.me;
  return h('nav', { class: 'rail', attrs: { 'aria-label': t('app.name') } },
    h('div', { class: 'rail-brand', attrs: { title: t('app.name') } }, icon('chat', 20)),
    h('div', { class: 'rail-links' }, links),
    h('div', { class: 'rail-bottom' },
      sound,
      lang,
      meBadge(ctx, me),
      h('button', { type: 'button', class: 'rail-link', attrs: { 'aria-label': t('nav.logout'), title: t('nav.logout'), 'data-action': 'logout' }, on: { click: () => ctx.logout() } }, icon('logout', 20))),
  );
}

/** The signed-in manager's avatar with a presence dot. */
function meBadge(ctx, me) {
  const el = h('div', { class: 'rail-me', attrs: { title: `${me.name} · ${me.email}` } }, avatar(me.id, me.name, 'sm'), h('span', { class: 'me-dot' }));
  const draw = () => { el.dataset.presence = ctx.store.state.connection === 'online' ? ctx.store.state.presence : 'offline'; };
  draw();
  ctx.subscribe(ctx.store.on('presence', draw));
  ctx.subscribe(ctx.store.on('connection', draw));
  return el;
}

/** The main pane with no chat open: points at the queue when someone waits. */
function idlePane(ctx) {
  const main = h('main', { class: 'main' });
  const draw = () => {
    const waiting = ctx.store.state.queue.length;
    const cta = waiting > 0 && h('button', {
      type: 'button', class: 'btn btn-primary', attrs: { 'data-action': 'accept-oldest' },
      on: { click: () => document.querySelector('.queue-item button:not(:disabled)')?.click() },
    }, t('queue.accept_oldest'));
    replace(main, emptyState('inbox', waiting ? t('queue.waiting_n', { n: waiting }) : t('chat.none_title'), t('chat.none_body')));
    if (cta) main.querySelector('.empty').append(cta);
  };
  draw();
  ctx.subscribe(ctx.store.on('queue', draw));
  return main;
}
