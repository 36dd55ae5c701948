// The visitor widget end to end, in Chromium, against a two-node cluster:
// the widget runs on node 1's /demo/, the manager (a Socket.IO client in this
// process, and a Chromium page for the call) works on node 2.
//
//   node --test tests/browser/widget.test.mjs
//
// Screenshots of every state land in test-artifacts/screenshots/widget-*.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  startCluster,
  launchBrowser,
  screenshot,
  managerLogin,
  connectSocket,
  ask,
  nextEvent,
  startCallPeer,
  postJson,
  ARTIFACTS,
} from './harness.mjs';

const XSS = '<img src=x onerror="window.__xss=1">';

let cluster;
let browser;
let page;
let manager; // {token, manager, socket}
let sessionId;

const shot = (name) => screenshot(page, 'widget-' + name);
const widget = (sel) => page.locator('#switchboard-widget ' + sel);
const rows = () => widget('.msgs > .row, .msgs > .divider');

/** The texts of the conversation's rows, in order (what the visitor reads). */
function bubbleTexts() {
  return page.evaluate(() =>
    [...document.querySelector('#switchboard-widget').shadowRoot.querySelectorAll('.msgs .bubble')].map((b) => b.textContent),
  );
}

function waitForQueueText(want) {
  return page.waitForFunction(
    (w) => document.querySelector('#switchboard-widget').shadowRoot.querySelector('.queue-pos')?.textContent === w,
    want,
    { timeout: 10_000 },
  );
}

async function managerSay(text) {
  const res = await ask(manager.socket, 'message:send', { session_id: sessionId, client_id: 'm-' + Date.now(), text });
  return res.message;
}

before(async () => {
  // Only this run's pictures: a failed step must not leave an older picture in its place.
  const dir = join(ARTIFACTS, 'screenshots');
  for (const f of await readdir(dir).catch(() => [])) if (f.startsWith('widget-')) await rm(join(dir, f));
  cluster = await startCluster({ nodes: 2 });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: 'ru-RU' });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${cluster.urls[0]}/demo/?site_key=${cluster.site.key}`);
  const login = await managerLogin(cluster.urls[1], cluster.manager);
  manager = { ...login, socket: await connectSocket(cluster.urls[1], '/chat', login.token) };
});

after(async () => {
  manager?.socket.disconnect();
  // Each step on its own: a browser that fails to close must not leave the nodes running.
  await Promise.allSettled([browser?.close(), cluster?.stop()]);
});

test('launcher opens the AI mode with the greeting from the site settings', async () => {
  await widget('.launcher').waitFor();
  await shot('01-launcher');
  await widget('.launcher').click();
  await widget('.panel').waitFor({ state: 'visible' });
  await widget('[data-key="greeting"] .bubble').waitFor();
  await widget('.chip').waitFor();
  assert.equal(await widget('.chip').textContent(), 'С менеджером');
  await page.waitForTimeout(350); // let the opening animation settle for the picture
  await shot('02-ai-greeting');
});

test('a visitor message gets exactly one AI reply', async () => {
  await widget('textarea').fill('Сколько стоит тариф «Бизнес»?');
  await widget('textarea').press('Enter');
  await widget('.row.mine[data-status="sent"]').waitFor();
  const ai = widget('.row[data-sender="ai"]:not([data-key="greeting"]):not([data-status="streaming"])');
  await ai.first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1500); // a second reply would show up here
  assert.equal(await ai.count(), 1);
  await shot('03-ai-reply');
});

test('"С менеджером" puts the visitor in the queue, visible to a manager on the other node', async () => {
  // Someone else asked first (through the REST API, as another browser would).
  const other = await postJson(`${cluster.urls[1]}/widget/session`, { site_key: cluster.site.key });
  const { session: first } = await postJson(`${cluster.urls[1]}/manager/request`, {}, other.visitor_token);
  const queued = nextEvent(manager.socket, 'queue:updated', (p) => p.waiting && p.waiting.length === 2);
  await widget('.chip').click();
  await widget('.card.waiting').waitFor();
  const q = await queued;
  sessionId = q.waiting.find((w) => w.session_id !== first.id).session_id;
  await waitForQueueText('Вы 2-й в очереди');
  await page.waitForTimeout(400);
  await shot('04-waiting');
  // The one ahead is taken: the widget hears its new position live (session:updated).
  await ask(manager.socket, 'session:accept', { session_id: first.id });
  await waitForQueueText('Вы следующий в очереди');
  await ask(manager.socket, 'session:close', { session_id: first.id });
});

test('the manager accepts: divider with the name, AI controls hidden', async () => {
  const { session } = await ask(manager.socket, 'session:accept', { session_id: sessionId });
  assert.equal(session.status, 'active');
  const divider = widget('.divider:has-text("Подключился личный менеджер")');
  await divider.waitFor();
  assert.match(await divider.textContent(), /Анна Смирнова/);
  await widget('.chip').waitFor({ state: 'detached' });
  assert.equal(await widget('.head .title').textContent(), 'Анна Смирнова');
  await widget('.call-btn').first().waitFor({ state: 'visible' });
  await page.waitForTimeout(300);
  await shot('05-manager-joined');
});

test('messages and typing flow both ways across nodes', async () => {
  // manager → visitor: typing, then a message with a link
  manager.socket.emit('typing', { session_id: sessionId, typing: true });
  await widget('.typing.show').waitFor();
  assert.match(await widget('.typing').textContent(), /Анна Смирнова печатает/);
  await page.waitForTimeout(500); // the row slides in and the log follows it
  await shot('06-manager-typing');
  await managerSay('Здравствуйте! Я Анна. Тарифы подробно описаны тут: https://orbita.example/help/tariffs — что именно подсказать?');
  const link = widget('.bubble a[href="https://orbita.example/help/tariffs"]');
  await link.waitFor();
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow');
  assert.equal(await link.getAttribute('target'), '_blank');
  await widget('.typing.show').waitFor({ state: 'detached' }).catch(() => {});

  // visitor → manager: typing, then a message
  const typing = nextEvent(manager.socket, 'typing', (p) => p.typing === true && p.sender === 'visitor');
  await widget('textarea').pressSequentially('Хочу перейти с тарифа Старт', { delay: 15 });
  await typing;
  const got = nextEvent(manager.socket, 'message:new', (p) => p.message.sender === 'visitor');
  await widget('textarea').press('Enter');
  assert.equal((await got).message.text, 'Хочу перейти с тарифа Старт');
  await managerSay('Конечно, переключу вас прямо сейчас. Перерасчёт сделаем автоматически.');
  await widget('.bubble:has-text("Перерасчёт")').waitFor();
  await page.waitForTimeout(300);
  await shot('07-live-chat');
});

test('keyboard: Escape minimises, an unread badge counts new replies, Enter on the launcher reopens', async () => {
  await widget('textarea').focus();
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('#switchboard-widget').shadowRoot.querySelector('.sb').dataset.open === 'false');
  // Focus went back to the launcher.
  assert.equal(await page.evaluate(() => document.querySelector('#switchboard-widget').shadowRoot.activeElement?.className), 'launcher');
  await managerSay('Кстати, у нас сейчас скидка 20% при оплате за год.');
  await widget('.badge:not([hidden])').waitFor();
  assert.equal(await widget('.badge').textContent(), '1');
  await page.waitForTimeout(300);
  await shot('08a-unread-badge');
  await page.keyboard.press('Enter');
  await widget('.panel').waitFor({ state: 'visible' });
  await widget('.badge').waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.querySelector('#switchboard-widget').shadowRoot.activeElement?.tagName === 'TEXTAREA');
});

test('markup in messages is shown as text, never parsed', async () => {
  const got = nextEvent(manager.socket, 'message:new', (p) => p.message.sender === 'visitor' && p.message.text === XSS);
  await widget('textarea').fill(XSS);
  await widget('textarea').press('Enter');
  await got;
  await managerSay(XSS);
  await page.waitForFunction((x) => {
    const root = document.querySelector('#switchboard-widget').shadowRoot;
    return [...root.querySelectorAll('.bubble')].filter((b) => b.textContent === x).length === 2;
  }, XSS);
  const imgs = await page.evaluate(() => document.querySelector('#switchboard-widget').shadowRoot.querySelectorAll('.msgs img').length);
  assert.equal(imgs, 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await shot('08-xss-literal');
});

test('a reload restores the same history, without duplicates', async () => {
  const before = await bubbleTexts();
  await page.reload();
  await widget('.launcher').click();
  await page.waitForFunction((n) => document.querySelector('#switchboard-widget').shadowRoot.querySelectorAll('.msgs .bubble').length >= n, before.length, {
    timeout: 15_000,
  });
  await page.waitForTimeout(800); // a late sync would add duplicates here
  assert.deepEqual(await bubbleTexts(), before);
  assert.equal(await widget('.head .title').textContent(), 'Анна Смирнова');
  await shot('09-after-reload');
});

test('offline: indicator and a pending message; back online: missed messages synced, the message delivered once', async () => {
  const context = page.context();
  await context.setOffline(true);
  await widget('.banner.show').waitFor({ timeout: 15_000 });
  await managerSay('Пока вас не было: счёт на оплату уже сформирован.');
  await widget('textarea').fill('Связь пропала, но я здесь');
  await widget('textarea').press('Enter');
  await widget('.row.mine[data-status="sending"]').waitFor();
  await page.waitForTimeout(300);
  await shot('10-offline-pending');
  const delivered = nextEvent(manager.socket, 'message:new', (p) => p.message.text === 'Связь пропала, но я здесь');
  await context.setOffline(false);
  await widget('.bubble:has-text("счёт на оплату уже сформирован")').waitFor({ timeout: 30_000 });
  await delivered;
  await widget('.row.mine[data-status="sent"]:has-text("Связь пропала")').waitFor();
  await widget('.banner.show').waitFor({ state: 'detached' }).catch(() => {});
  const texts = await bubbleTexts();
  assert.equal(texts.filter((t) => t === 'Связь пропала, но я здесь').length, 1);
  assert.equal(texts.filter((t) => t.includes('счёт на оплату')).length, 1);
});

test('a message the server refuses is marked as not sent, with a retry', async () => {
  // Longer than the contract's 4000 characters: the server answers validation_failed.
  const long = 'Очень длинное сообщение. '.repeat(170).trim();
  await widget('textarea').evaluate((el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, long);
  await widget('textarea').press('Enter');
  await widget('.row.mine[data-status="failed"]').waitFor();
  await widget('.row.mine[data-status="failed"] button.link').waitFor();
  await page.waitForTimeout(1200); // smooth scroll down the long bubble
  await shot('10b-failed');
});

test('a camera permission refusal gets a clear message', async () => {
  await page.evaluate(() => {
    window.__gum = navigator.mediaDevices.getUserMedia;
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  await widget('.call-btn[aria-label="Видеозвонок"]').click();
  await widget('.call-notice.show').waitFor();
  assert.match(await widget('.call-notice').textContent(), /Нет доступа к камере или микрофону/);
  await page.waitForTimeout(300);
  await shot('10-permission-denied');
  await widget('[data-action="dismiss"]').click();
  await widget('.call-backdrop').waitFor({ state: 'detached' });
  await page.evaluate(() => (navigator.mediaDevices.getUserMedia = window.__gum));
});

test('a video call from the manager reaches connected with frames in the remote video', async () => {
  const peer = await startCallPeer(browser, cluster.urls[1], manager.token, { iceServers: manager.ice_servers || [] });
  try {
    await peer.invite(sessionId, 'video');
    await widget('.incoming').waitFor();
    await page.waitForTimeout(400);
    await shot('11-incoming-call');
    await widget('[data-action="accept"]').click();
    await widget('.call[data-phase="active"]').waitFor({ timeout: 20_000 });
    await peer.waitFor('connected');
    // Frames arrive: the remote <video> has a size and its clock advances.
    await page.waitForFunction(
      () => {
        const v = document.querySelector('#switchboard-widget').shadowRoot.querySelector('video.remote');
        return v && v.videoWidth > 0 && v.currentTime > 0.5;
      },
      null,
      { timeout: 20_000 },
    );
    const frames = await page.evaluate(
      () =>
        new Promise((ok) => {
          const v = document.querySelector('#switchboard-widget').shadowRoot.querySelector('video.remote');
          let n = 0;
          const tick = () => (++n >= 5 ? ok(n) : v.requestVideoFrameCallback(tick));
          v.requestVideoFrameCallback(tick);
          setTimeout(() => ok(n), 5000);
        }),
    );
    assert.ok(frames >= 5, `only ${frames} frames arrived`);
    await widget('[data-action="mic"]').click();
    assert.equal(await widget('[data-action="mic"]').getAttribute('aria-pressed'), 'true');
    await page.waitForTimeout(1200);
    await shot('12-video-call');
    await widget('[data-action="hangup"]').click();
    assert.equal(await peer.waitEnded(), 'hangup');
    await widget('.call-notice.show').waitFor();
    assert.equal(await widget('.call-notice').textContent(), 'Звонок завершён');
    await shot('13-call-ended');
    await widget('.call-backdrop').waitFor({ state: 'detached' });
  } finally {
    await peer.close();
  }
});

test('the visitor declines an incoming call; the caller hears "declined"', async () => {
  const peer = await startCallPeer(browser, cluster.urls[1], manager.token, { iceServers: manager.ice_servers || [] });
  try {
    await peer.invite(sessionId, 'audio');
    await widget('.incoming').waitFor();
    assert.match(await widget('.incoming').textContent(), /Входящий звонок/);
    // Focus starts on "accept" and stays inside the dialog.
    await page.waitForFunction(() => document.querySelector('#switchboard-widget').shadowRoot.activeElement?.dataset.action === 'accept');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.querySelector('#switchboard-widget').shadowRoot.activeElement?.dataset.action), 'accept');
    await widget('[data-action="decline"]').click();
    assert.equal(await peer.waitEnded(), 'declined');
    await widget('.incoming').waitFor({ state: 'detached' });
  } finally {
    await peer.close();
  }
});

test('an audio call from the visitor connects (the visitor makes the offer)', async () => {
  const peer = await startCallPeer(browser, cluster.urls[1], manager.token, { iceServers: manager.ice_servers || [] });
  try {
    await widget('.call-btn[aria-label="Аудиозвонок"]').click();
    await widget('.call[data-phase="active"][data-media="audio"]').waitFor({ timeout: 20_000 });
    await peer.waitFor('connected');
    await page.waitForTimeout(1200);
    await shot('14-audio-call');
    await peer.hangup();
    await widget('.call-backdrop').waitFor({ state: 'detached', timeout: 10_000 });
  } finally {
    await peer.close();
  }
});

test('the manager closes the chat: closed state, then a new chat in AI mode', async () => {
  await ask(manager.socket, 'session:close', { session_id: sessionId });
  await widget('.card.closed').waitFor();
  assert.equal(await widget('textarea').isVisible(), false);
  // The message refused earlier stays marked, but a closed chat offers no retry.
  await widget('.row[data-status="failed"] .meta.failed').waitFor();
  assert.equal(await widget('.row[data-status="failed"] button.link').count(), 0);
  await page.waitForTimeout(400);
  await shot('15-closed');
  await widget('.card.closed .primary').click();
  await widget('.chip').waitFor();
  assert.equal(await widget('.msgs .bubble').count(), 1); // just the greeting
  await page.waitForTimeout(400);
  await shot('16-new-chat');
});

test('a waiting visitor can cancel: the session closes and leaves the queue', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 820 } });
  try {
    const other = await ctx.newPage();
    await other.goto(`${cluster.urls[0]}/demo/?site_key=${cluster.site.key}`);
    const w = (sel) => other.locator('#switchboard-widget ' + sel);
    await w('.launcher').click();
    const queued = nextEvent(manager.socket, 'queue:updated', (p) => p.waiting.length === 1);
    await w('.chip').click();
    await w('.card.waiting').waitFor();
    const { waiting } = await queued;
    const emptied = nextEvent(manager.socket, 'queue:updated', (p) => !p.waiting.some((e) => e.session_id === waiting[0].session_id));
    await w('[data-action="cancel-wait"]').click();
    await w('.card.closed').waitFor();
    await emptied;
  } finally {
    await ctx.close();
  }
});

test('on a narrow screen the panel is full-screen', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 780 }, locale: 'en-US' });
  const mobile = await ctx.newPage();
  await mobile.goto(`${cluster.urls[0]}/demo/?site_key=${cluster.site.key}`);
  await mobile.waitForFunction(() => window.Switchboard);
  await mobile.evaluate(() => window.Switchboard.setLocale('en'));
  await mobile.locator('#switchboard-widget .launcher').click();
  await mobile.locator('#switchboard-widget [data-key="greeting"]').waitFor();
  await mobile.waitForTimeout(400);
  const box = await mobile.locator('#switchboard-widget .panel').boundingBox();
  assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 390, 780]);
  assert.equal(await mobile.locator('#switchboard-widget .chip').textContent(), 'Talk to a person');
  await screenshot(mobile, 'widget-17-mobile-en');
  await ctx.close();
});
