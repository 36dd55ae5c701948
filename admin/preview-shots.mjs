// Dev tool: builds the canned-data preview, serves it on a free loopback port and
// screenshots each screen into test-artifacts/screenshots/preview-*.png.
// Usage: node admin/preview-shots.mjs [scene ...]

import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'test-artifacts', 'admin-preview');
const shots = join(root, 'test-artifacts', 'screenshots');
execFileSync('node', [join(root, 'admin', 'build.mjs'), '--preview', dir], { stdio: 'inherit' });
await mkdir(shots, { recursive: true });

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const server = createServer(async (req, res) => {
  const file = new URL(req.url, 'http://x').pathname.replace(/^\/admin\//, '/') || '/';
  try {
    const body = await readFile(join(dir, file === '/' ? 'index.html' : file));
    res.writeHead(200, { 'Content-Type': types[extname(file)] || 'text/html' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/admin/`;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const scenes = {
  login: async (p) => { await p.goto(`${base}?signed=0&locale=ru`); },
  'login-en-error': async (p) => {
    await p.goto(`${base}?signed=0&locale=en`);
    await p.fill('#login-email', 'anna@shop.example');
    await p.fill('#login-password', 'nope');
    await p.click('button[type=submit]');
    await p.waitForSelector('.form-error:not(:empty)');
  },
  inbox: async (p) => { await p.goto(`${base}?signed=1&locale=ru`); await p.waitForSelector('.queue-item'); },
  chat: async (p) => {
    await p.goto(`${base}?signed=1&locale=ru`);
    await p.waitForSelector('.chat-item');
    await p.evaluate(() => window.__preview.openFirst());
    await p.waitForSelector('.msg');
    await p.evaluate(() => window.__preview.visitorTyping());
  },
  'chat-en': async (p) => {
    await p.goto(`${base}?signed=1&locale=en`);
    await p.waitForSelector('.chat-item');
    await p.click('.chat-item >> nth=1');
    await p.waitForSelector('.msg');
    await p.fill('.composer textarea', 'Customs are paid by the courier on delivery, about 15% over 200 EUR.');
    await p.keyboard.press('Enter');
    await p.waitForSelector('.msg.own >> text=Customs');
  },
  pending: async (p) => {
    await p.goto(`${base}?signed=1&locale=en&stall=1&offline=1#/inbox`);
    await p.waitForSelector('.conn-banner');
  },
  conflict: async (p) => {
    await p.goto(`${base}?signed=1&locale=ru&conflict=1`);
    await p.waitForSelector('.queue-item');
    await p.click('.queue-item button');
    await p.waitForSelector('.toast');
  },
  incoming: async (p) => {
    await p.goto(`${base}?signed=1&locale=ru`);
    await p.waitForSelector('.chat-item');
    await p.evaluate(() => { window.__preview.openFirst(); window.__preview.incomingCall(); });
    await p.waitForSelector('.incoming');
    await p.waitForTimeout(400);
  },
  call: async (p) => {
    await p.goto(`${base}?signed=1&locale=ru`);
    await p.waitForSelector('.chat-item');
    await p.evaluate(() => { window.__preview.openFirst(); window.__preview.callScene(); });
    await p.waitForTimeout(400);
  },
  team: async (p) => { await p.goto(`${base}?signed=1&locale=ru#/team`); await p.waitForSelector('.table td'); },
  settings: async (p) => { await p.goto(`${base}?signed=1&locale=en#/settings`); await p.waitForSelector('.card.form'); },
  faq: async (p) => { await p.goto(`${base}?signed=1&locale=ru#/faq`); await p.waitForSelector('.faq-entry'); },
};
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(scenes);
const errors = [];
for (const name of wanted) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`${name}: ${m.text()}`));
  await scenes[name](page);
  await page.screenshot({ path: join(shots, `preview-${name}.png`) });
  await ctx.close();
}
await browser.close();
server.close();
if (errors.length) {
  console.error(errors.join('\n'));
  process.exitCode = 1;
}
console.log(`screenshots: ${wanted.map((n) => `preview-${n}.png`).join(', ')}`);
