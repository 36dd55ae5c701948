// The manager panel (admin/) in a real browser against a two-node cluster:
//   1. widget on node 1, panel on node 2: login, the request appears in the queue
//      live, accept (and a clear message when someone else was faster), chat both
//      ways with typing, reload keeps the session, close.
//   2. video calls: one started from the panel, one from the widget; each reaches
//      `connected` with frames flowing both ways, hung up from either side.
// Screenshots: test-artifacts/screenshots/admin-*.png
//
// Run: node --test tests/browser/admin.test.mjs   (needs the built server binary)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, launchBrowser, screenshot, managerLogin, postJson, REPO_ROOT } from './harness.mjs';

const T = 20_000; // generous per-step timeout: two shared cores, a debug build

let cluster;
let browser;

before(async () => {
  // The server serves admin/dist and static/dist from the repo: build what is served.
  execFileSync('node', [join(REPO_ROOT, 'admin', 'build.mjs')], { stdio: 'inherit' });
  if (!existsSync(join(REPO_ROOT, 'static', 'dist', 'widget.js'))) execFileSync('node', [join(REPO_ROOT, 'static', 'build.mjs')], { stdio: 'inherit' });
  cluster = await startCluster({ nodes: 2 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await cluster?.stop();
});

// ---------- helpers ----------

/** Records every RTCPeerConnection a page creates, so tests can read its stats. */
function instrumentPeerConnections() {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      window.__pcs.push(this);
    }
  };
}

async function newContext() {
  const context = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1440, height: 900 }, permissions: ['camera', 'microphone'] });
  await context.addInitScript(instrumentPeerConnections);
  return context;
}

/**
 * A panel context whose server→page websocket frames pass through a filter, so a
 * test can hold back `queue:updated` (to click Accept on an entry another manager
 * has just taken, deterministically), lose `message:new` events (to check that
 * seq gaps and reconnects are repaired with messages:sync), and cut the sockets.
 */
async function panelContext() {
  const context = await newContext();
  const filter = { holdQueue: false, dropMessages: false, sockets: [] };
  await context.routeWebSocket(/\/socket\.io\//, (ws) => {
    const server = ws.connectToServer();
    filter.sockets.push(ws);
    server.onMessage((m) => {
      if (typeof m === 'string') {
        if (filter.holdQueue && m.includes('"queue:updated"')) return;
        if (filter.dropMessages && m.includes('"message:new"')) return;
      }
      ws.send(m);
    });
  });
  return { context, filter };
}

/** Screenshot once finite CSS animations (toasts, dialogs sliding in) have finished. */
async function shot(page, name) {
  await page.waitForFunction(() => document.getAnimations({ subtree: true }).every((a) => a.effect?.getTiming().iterations === Infinity || a.playState !== 'running'), null, { timeout: 5000 });
  return screenshot(page, name);
}

/** On failure, a screenshot of every open page of the contexts, then rethrow. */
async function shootOnFailure(name, contexts, err) {
  let i = 0;
  for (const c of contexts) for (const p of c.pages()) await screenshot(p, `admin-fail-${name}-${++i}`).catch(() => {});
  throw err;
}

async function login(page, baseUrl, creds, shotName) {
  await page.goto(`${baseUrl}/admin/`);
  await page.fill('#login-email', creds.email);
  await page.fill('#login-password', creds.password);
  if (shotName) await screenshot(page, shotName);
  await page.click('button[type=submit]');
  await page.waitForSelector('.sidebar', { timeout: T });
  await page.waitForSelector('.conn-banner[hidden]', { state: 'attached', timeout: T });
}

/** The widget on the demo page of `baseUrl`, opened. */
async function openWidget(context, baseUrl) {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/demo/?site_key=${cluster.site.key}`);
  await page.locator('#switchboard-widget .launcher').click({ timeout: T });
  await page.locator('#switchboard-widget .composer textarea, #switchboard-widget .composer input').first().waitFor({ timeout: T });
  return page;
}

async function widgetSend(page, text) {
  const input = page.locator('#switchboard-widget .composer textarea, #switchboard-widget .composer input').first();
  await input.fill(text);
  await input.press('Enter');
}

/** Polls `fn` until it returns a truthy value (for state only observable by asking). */
async function until(fn, what, timeout = T) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Video frames decoded from the remote and sent to it, on the page's newest peer connection. */
function videoFlow(page) {
  return page.evaluate(async () => {
    const pc = window.__pcs[window.__pcs.length - 1];
    if (!pc) return null;
    const out = { state: pc.connectionState, decoded: 0, sent: 0 };
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') out.decoded += s.framesDecoded || 0;
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.sent += s.framesSent || 0;
    });
    return out;
  });
}

/** Audio packets received from the remote on the page's newest peer connection. */
function audioIn(page) {
  return page.evaluate(async () => {
    const pc = window.__pcs[window.__pcs.length - 1];
    let packets = 0;
    let video = 0;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') packets += s.packetsReceived || 0;
      if (s.type === 'inbound-rtp' && s.kind === 'video') video++;
    });
    return { state: pc.connectionState, packets, video };
  });
}

/** Both pages connected, each decoding frames the other sends, and still counting up. */
async function assertFramesBothWays(a, b) {
  const first = await until(async () => {
    const [x, y] = [await videoFlow(a), await videoFlow(b)];
    return x?.state === 'connected' && y?.state === 'connected' && x.decoded > 5 && y.decoded > 5 && x.sent > 5 && y.sent > 5 && [x, y];
  }, 'both peer connections connected with video frames');
  const later = await until(async () => {
    const [x, y] = [await videoFlow(a), await videoFlow(b)];
    return x.decoded > first[0].decoded && y.decoded > first[1].decoded && [x, y];
  }, 'frames still flowing');
  return later;
}

/** A visitor created over REST (no browser), who asks for a manager with `message`. */
async function restVisitorRequest(baseUrl, message) {
  const { visitor_token } = await postJson(`${baseUrl}/widget/session`, { site_key: cluster.site.key });
  const { session } = await postJson(`${baseUrl}/manager/request`, { message }, visitor_token);
  return session;
}

// ---------- scenario 1 ----------

test('scenario 1: widget on node 1, panel on node 2 — queue live, accept, chat both ways, close', async () => {
  const [node1, node2] = cluster.urls;
  const { context: panelCtx, filter } = await panelContext();
  const visitorCtx = await newContext();
  try {
    const panel = await panelCtx.newPage();
    await login(panel, node2, cluster.manager, 'admin-login');
    await shot(panel, 'admin-inbox-empty');

    // The visitor talks to the AI first, then asks for a manager.
    const widget = await openWidget(visitorCtx, node1);
    await widgetSend(widget, 'Здравствуйте! Сколько идёт доставка в Казань?');
    // The greeting and the reply (the typing indicator's avatar lives outside .msgs).
    await until(async () => (await widget.locator('#switchboard-widget .msgs .ava.ai').count()) >= 2, 'the AI reply in the widget');
    await widget.getByRole('button', { name: /С менеджером/ }).click();

    // It appears in the panel's queue without a reload, with the waiting time ticking.
    const entry = panel.locator('.queue-item').first();
    await entry.waitFor({ timeout: T });
    const sessionId = await entry.getAttribute('data-session');
    assert.match(await entry.locator('.item-preview').textContent(), /Сколько идёт доставка/, 'the preview of the last message');
    const wait1 = await entry.locator('[data-since]').textContent();
    await panel.waitForFunction((w) => document.querySelector('.queue-item [data-since]')?.textContent !== w, wait1, { timeout: 5000 });
    assert.equal(await panel.locator('.stat').first().locator('.stat-value').textContent(), '1', 'stats: one waiting');
    await shot(panel, 'admin-queue');

    // Accept: the chat opens with its whole history, AI part and handoff included.
    await entry.getByRole('button', { name: /Принять/ }).click();
    await panel.waitForSelector(`main.conv[data-session="${sessionId}"]`, { timeout: T });
    await panel.locator('.msg-visitor .msg-text', { hasText: 'Сколько идёт доставка' }).waitFor({ timeout: T });
    assert.ok((await panel.locator('.msg-ai').count()) >= 1, 'the AI reply before the handoff is in the history');
    await panel.locator('.sys-manager_joined').waitFor({ timeout: T });
    // The assistant's handoff note for managers, in the details column.
    await panel.locator('.details .note p').waitFor({ timeout: T });
    assert.equal(await panel.locator('.queue-item').count(), 0, 'the accepted request left the queue');

    // Visitor → manager, with the typing indicator first.
    const winput = widget.locator('#switchboard-widget .composer textarea, #switchboard-widget .composer input').first();
    await winput.pressSequentially('А можно', { delay: 30 });
    await panel.locator('.typing-line .dots').waitFor({ timeout: T });
    await winput.fill('А можно курьером до двери?');
    await winput.press('Enter');
    await panel.locator('.msg-visitor .msg-text', { hasText: 'курьером до двери' }).waitFor({ timeout: T });

    // Manager → visitor (Enter sends; the optimistic bubble becomes a stored one).
    const composer = panel.locator('.composer textarea');
    await composer.fill('Да, курьером — 2–3 дня, доставка до двери бесплатная.');
    await composer.press('Enter');
    await panel.locator('.msg.own:not(.pending) .msg-text', { hasText: 'до двери бесплатная' }).waitFor({ timeout: T });
    await widget.getByText('до двери бесплатная').waitFor({ timeout: T });

    // Text is text: markup from a visitor is shown as typed, never parsed.
    const markup = '<b>жирный</b> <img src=x onerror="window.__xss=1">';
    await widgetSend(widget, markup);
    await panel.locator('.msg-visitor .msg-text', { hasText: '<b>жирный</b>' }).waitFor({ timeout: T });
    assert.equal(await panel.locator('.messages b, .messages img, .sidebar b, .sidebar img').count(), 0);
    assert.equal(await panel.evaluate(() => window.__xss), undefined);

    // The manager's typing reaches the widget.
    await composer.pressSequentially('Уточню', { delay: 40 });
    await widget.getByText(/Анна Смирнова печатает/).waitFor({ timeout: T });
    await composer.fill('');
    await shot(panel, 'admin-chat');
    await shot(widget, 'admin-chat-widget-side');

    // A lost message:new shows up as a seq gap at the next one and is fetched.
    const token = await panel.evaluate(() => JSON.parse(localStorage.getItem('sb.auth')).token);
    const stored = (text) => until(async () => {
      const res = await fetch(`${node2}/sessions/${sessionId}/messages?after_seq=0&limit=500`, { headers: { authorization: `Bearer ${token}` } });
      return (await res.json()).messages.some((m) => m.text === text);
    }, `"${text}" stored`);
    filter.dropMessages = true;
    await widgetSend(widget, 'Номер заказа 48213');
    await stored('Номер заказа 48213');
    assert.equal(await panel.locator('.msg-text', { hasText: 'Номер заказа 48213' }).count(), 0, 'the event was really lost');
    filter.dropMessages = false;
    await widgetSend(widget, 'Оплачен картой');
    await panel.locator('.msg-visitor .msg-text', { hasText: 'Оплачен картой' }).waitFor({ timeout: T });
    await panel.locator('.msg-visitor .msg-text', { hasText: 'Номер заказа 48213' }).waitFor({ timeout: T });

    // Missed while disconnected: fetched with messages:sync after the reconnect.
    filter.dropMessages = true;
    await widgetSend(widget, 'Пока вы переподключались');
    await stored('Пока вы переподключались');
    assert.equal(await panel.locator('.msg-text', { hasText: 'Пока вы переподключались' }).count(), 0, 'the event was really lost');
    filter.dropMessages = false;
    for (const ws of filter.sockets.splice(0)) await ws.close();
    await panel.locator('.msg-visitor .msg-text', { hasText: 'Пока вы переподключались' }).waitFor({ timeout: T });
    const seqs = await panel.locator('main.conv .messages [data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
    assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), 'the history has no holes and no duplicates');

    // Unread: a message to a chat that is not open counts on its list item.
    await panel.evaluate(() => { location.hash = '#/inbox'; });
    await widgetSend(widget, 'Вы тут?');
    const item = panel.locator(`.chat-item[data-session="${sessionId}"]`);
    await item.locator('.badge', { hasText: '1' }).waitFor({ timeout: T });
    await shot(panel, 'admin-unread');
    await item.click();
    await item.locator('.badge').waitFor({ state: 'detached', timeout: T });

    // Presence: away takes the manager out of "online", back in on return.
    const online = panel.locator('.stat').nth(1).locator('.stat-value');
    assert.equal(await online.textContent(), '1');
    await panel.click('.presence');
    await panel.locator('.presence-away').waitFor({ timeout: T });
    await until(async () => (await online.textContent()) === '0', 'online managers 0 while away');
    await panel.click('.presence');
    await until(async () => (await online.textContent()) === '1', 'online managers back to 1');

    // A reload keeps the sign-in and the chat.
    await panel.reload();
    await panel.waitForSelector(`main.conv[data-session="${sessionId}"] .msg-text >> text=до двери бесплатная`, { timeout: T });

    // Someone else is faster: another manager (the admin, on node 1) takes a new
    // request while our panel still shows it; our Accept gets a clear message.
    const other = await restVisitorRequest(node1, 'Вопрос про возврат денег');
    const taken = panel.locator(`.queue-item[data-session="${other.id}"]`);
    await taken.waitFor({ timeout: T });
    filter.holdQueue = true;
    const { token: adminToken } = await managerLogin(node1, cluster.admin);
    await postJson(`${node1}/manager/sessions/${other.id}/accept`, {}, adminToken);
    await taken.getByRole('button', { name: /Принять/ }).click();
    await panel.locator('.toast', { hasText: 'уже принял другой менеджер' }).waitFor({ timeout: T });
    await shot(panel, 'admin-conflict');
    filter.holdQueue = false;
    await taken.waitFor({ state: 'detached', timeout: T });

    // Close: the panel shows it closed, the widget shows the chat ended.
    await panel.click('[data-action=close]');
    await panel.click('dialog.confirm .btn-danger');
    await panel.locator('.composer-wrap.is-closed').waitFor({ timeout: T });
    await widget.getByText('Разговор завершён').first().waitFor({ timeout: T });
    await shot(panel, 'admin-closed');

    // Logout revokes the token on every node.
    await panel.click('[data-action=logout]');
    await panel.waitForSelector('#login-email', { timeout: T });
    const me = await fetch(`${node1}/manager/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 401, 'the token is refused after logout');
  } catch (err) {
    await shootOnFailure('chat', [panelCtx, visitorCtx], err);
  } finally {
    await panelCtx.close();
    await visitorCtx.close();
  }
});

// ---------- admin pages ----------

test('admin pages: create a manager, edit site settings, add and delete an FAQ entry', async () => {
  const [, node2] = cluster.urls;
  const context = await newContext();
  try {
    const page = await context.newPage();
    await login(page, node2, cluster.admin);

    await page.click('a[data-route=team]');
    await page.waitForSelector('.table td');
    const email = `new-${Date.now()}@example.com`;
    await page.fill('input[name=name]', 'Олег Новиков');
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', 'секретный-пароль');
    await page.click('form.card button[type=submit]');
    await page.locator('.table td', { hasText: email }).waitFor({ timeout: T });
    const created = await managerLogin(node2, { email, password: 'секретный-пароль' });
    assert.equal(created.manager.role, 'manager');
    await shot(page, 'admin-team');

    await page.click('a[data-route=settings]');
    await page.waitForSelector('textarea[name=greeting]');
    await page.fill('textarea[name=greeting]', 'Добрый день! Мы на связи с 9 до 21.');
    await page.check('input[name=routing][value=auto]');
    await page.click('form.card button[type=submit]');
    // By text: the "manager created" toast may still be on screen.
    await page.locator('.toast-success', { hasText: 'Настройки сохранены' }).waitFor({ timeout: T });
    const { token } = await managerLogin(node2, cluster.admin);
    const site = async () => (await (await fetch(`${node2}/manager/site`, { headers: { authorization: `Bearer ${token}` } })).json()).site;
    assert.equal((await site()).greeting, 'Добрый день! Мы на связи с 9 до 21.');
    assert.equal((await site()).routing, 'auto');
    // Back to manual routing: the call scenario relies on the queue.
    await page.check('input[name=routing][value=manual]');
    await page.click('form.card button[type=submit]');
    await until(async () => (await site()).routing === 'manual', 'routing back to manual');
    await shot(page, 'admin-settings');

    await page.click('a[data-route=faq]');
    await page.fill('textarea[name=questions]', 'Есть ли самовывоз?\nМожно забрать самому?');
    await page.fill('textarea[name=answer]', 'Да, из пункта на Лесной, 5, ежедневно с 10 до 20.');
    await page.click('form.card button[type=submit]');
    const card = page.locator('.faq-entry', { hasText: 'самовывоз' });
    await card.waitFor({ timeout: T });
    await shot(page, 'admin-faq');
    await card.locator('button').click();
    await page.click('dialog.confirm .btn-danger');
    await card.waitFor({ state: 'detached', timeout: T });

    // The language switch redraws everything in English, and it sticks.
    await page.click('.rail-link.lang');
    await page.getByRole('heading', { name: 'AI answers' }).waitFor({ timeout: T });
    await page.reload();
    await page.getByRole('heading', { name: 'AI answers' }).waitFor({ timeout: T });
  } catch (err) {
    await shootOnFailure('pages', [context], err);
  } finally {
    await context.close();
    // Whatever failed above, the later tests rely on manual routing.
    const { token } = await managerLogin(node2, cluster.admin);
    await fetch(`${node2}/manager/site`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ routing: 'manual' }),
    });
  }
});

test('accept at max_chats: a plain message that the manager is full, not that someone was faster', async () => {
  const [node1, node2] = cluster.urls;
  const { token: adminToken } = await managerLogin(node1, cluster.admin);
  const creds = { email: `busy-${Date.now()}@example.com`, password: 'busy-manager-pass' };
  await postJson(`${node1}/manager/create`, { ...creds, name: 'Ирина Занятая', max_chats: 1 }, adminToken);
  const context = await newContext();
  try {
    const panel = await context.newPage();
    await login(panel, node2, creds);
    const first = await restVisitorRequest(node1, 'Первый вопрос про счёт');
    const second = await restVisitorRequest(node1, 'Второй вопрос про акт');
    await panel.locator(`.queue-item[data-session="${first.id}"] button`).click({ timeout: T });
    await panel.waitForSelector(`main.conv[data-session="${first.id}"]`, { timeout: T });
    await panel.locator(`.queue-item[data-session="${second.id}"] button`).click({ timeout: T });
    await panel.locator('.toast', { hasText: 'У вас максимум чатов' }).waitFor({ timeout: T });
    await shot(panel, 'admin-max-chats');
    await panel.click('[data-action=close]');
    await panel.click('dialog.confirm .btn-danger');
    await panel.locator('.composer-wrap.is-closed').waitFor({ timeout: T });
  } catch (err) {
    await shootOnFailure('max', [context], err);
  } finally {
    await context.close();
  }
});

// ---------- alerts ----------

/**
 * Records desktop notifications and chime oscillators instead of showing/playing
 * them, and lets the test hide the tab (headless Chromium never hides a page).
 */
function instrumentAlerts() {
  window.__hidden = false;
  Object.defineProperty(document, 'hidden', { get: () => window.__hidden });
  Object.defineProperty(document, 'visibilityState', { get: () => (window.__hidden ? 'hidden' : 'visible') });
  window.__notifications = [];
  window.__beeps = 0;
  window.Notification = class {
    static permission = 'granted';
    static requestPermission() {
      return Promise.resolve('granted');
    }
    constructor(title, options) {
      window.__notifications.push({ title, body: options?.body });
    }
    close() {}
  };
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__beeps++;
    return start.apply(this, args);
  };
}

test('alerts: a new request while the tab is hidden makes a sound and a desktop notification', async () => {
  const [node1, node2] = cluster.urls;
  const context = await newContext();
  await context.addInitScript(instrumentAlerts);
  try {
    const panel = await context.newPage();
    await login(panel, node2, cluster.manager);
    const setHidden = (hidden) => panel.evaluate((h) => {
      window.__hidden = h;
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
    await panel.click('.sidebar-head h1'); // a user gesture: browsers allow audio after one
    await setHidden(true);
    await restVisitorRequest(node1, 'Срочно: не проходит оплата');
    // The message may be stored just after the queue entry: the notification
    // (same tag) is then re-issued with the preview.
    await panel.waitForFunction(() => window.__notifications.some((n) => /не проходит оплата/.test(n.body)), null, { timeout: T });
    const notes = await panel.evaluate(() => window.__notifications);
    assert.ok(notes.every((n) => n.title === 'Новое обращение'), JSON.stringify(notes));
    assert.match(notes.at(-1).body, /^Посетитель #[0-9A-F]{4}: Срочно: не проходит оплата$/);
    assert.ok((await panel.evaluate(() => window.__beeps)) > 0, 'the chime played');
    await setHidden(false);
    assert.match(await panel.title(), /^\(\d+\) /, 'the tab title counts what needs attention');
  } catch (err) {
    await shootOnFailure('alerts', [context], err);
  } finally {
    await context.close();
  }
});

// ---------- scenario 2 ----------

test('scenario 2: video calls panel→widget and widget→panel, connected with frames both ways, hung up from either side', async () => {
  const [node1, node2] = cluster.urls;
  const { context: panelCtx } = await panelContext();
  const visitorCtx = await newContext();
  try {
    const panel = await panelCtx.newPage();
    await login(panel, node2, cluster.manager);
    const widget = await openWidget(visitorCtx, node1);
    await widgetSend(widget, 'Покажу по видео, что не так с договором');
    await widget.getByRole('button', { name: /С менеджером/ }).click();
    // Other tests may have left requests waiting: pick this visitor's by its preview.
    const entry = panel.locator('.queue-item', { hasText: 'Покажу по видео' });
    await entry.waitFor({ timeout: T });
    await entry.getByRole('button', { name: /Принять/ }).click();
    await panel.waitForSelector('main.conv .sys-manager_joined', { timeout: T });
    // The widget's header offers calls once a manager holds the session.
    const widgetVideo = widget.locator('#switchboard-widget button.call-btn[aria-label="Видеозвонок"]');
    await until(async () => (await widgetVideo.isVisible()) && (await widgetVideo.isEnabled()), 'the widget video button');

    // Call 1: the panel calls, the visitor answers, the visitor hangs up.
    await panel.click('[data-action=call-video]');
    await panel.waitForSelector('.call-modal', { timeout: T });
    await widget.locator('#switchboard-widget [data-action=accept]').click({ timeout: T });
    const [p1, w1] = await assertFramesBothWays(panel, widget);
    await panel.waitForSelector('.call-modal[data-phase=connected]', { timeout: T });
    await panel.waitForFunction(() => document.querySelector('.remote-video')?.videoWidth > 0, null, { timeout: T });
    await panel.waitForFunction(() => /\d:\d\d/.test(document.querySelector('.call-timer')?.textContent || ''), null, { timeout: T });
    console.log(`call 1 (panel→widget): panel decoded ${p1.decoded} / sent ${p1.sent}; widget decoded ${w1.decoded} / sent ${w1.sent}`);
    await shot(panel, 'admin-call');
    await widget.locator('#switchboard-widget [data-action=hangup]').click();
    await panel.waitForSelector('.call-modal', { state: 'detached', timeout: T });

    // Call 2: the visitor calls, the panel answers from the incoming dialog and hangs up.
    await until(async () => (await widgetVideo.isVisible()) && (await widgetVideo.isEnabled()), 'the widget video button again');
    await widgetVideo.click();
    await panel.waitForSelector('.incoming[role=alertdialog]', { timeout: T });
    await shot(panel, 'admin-incoming-call');
    await panel.click('.incoming [data-action=answer]');
    const [p2, w2] = await assertFramesBothWays(panel, widget);
    console.log(`call 2 (widget→panel): panel decoded ${p2.decoded} / sent ${p2.sent}; widget decoded ${w2.decoded} / sent ${w2.sent}`);
    await panel.click('.call-modal [data-action=hangup]');
    await panel.waitForSelector('.call-modal', { state: 'detached' });
    await until(async () => (await widget.evaluate(() => window.__pcs[window.__pcs.length - 1].connectionState)) === 'closed'
      || (await widget.locator('#switchboard-widget [data-action=hangup]').count()) === 0, 'the widget to end the call');

    // Call 3: audio only, from the panel; sound flows both ways, no video; the panel hangs up.
    await until(async () => (await widgetVideo.isVisible()) && (await widgetVideo.isEnabled()), 'the widget call buttons again');
    await panel.click('[data-action=call-audio]');
    await widget.locator('#switchboard-widget [data-action=accept]').click({ timeout: T });
    const [pa, wa] = await until(async () => {
      const [x, y] = [await audioIn(panel), await audioIn(widget)];
      return x.state === 'connected' && y.state === 'connected' && x.packets > 10 && y.packets > 10 && [x, y];
    }, 'audio flowing both ways');
    assert.equal(pa.video + wa.video, 0, 'an audio call carries no video');
    await panel.waitForSelector('.call-modal.audio-only[data-phase=connected]', { timeout: T });
    await shot(panel, 'admin-audio-call');
    await panel.click('.call-modal [data-action=hangup]');
    await panel.waitForSelector('.call-modal', { state: 'detached' });
  } catch (err) {
    await shootOnFailure('call', [panelCtx, visitorCtx], err);
  } finally {
    await panelCtx.close();
    await visitorCtx.close();
  }
});
