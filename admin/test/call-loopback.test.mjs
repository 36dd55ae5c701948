// The panel's call logic (admin/src/call.js) in real Chromium with fake devices:
// two CallClients joined by an in-memory relay of the contract's /call signaling
// (random delays). No server needed: node --test admin/test/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
let server;
let browser;
let page;

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sb-call-loopback-'));
  await build({ entryPoints: [join(here, '..', 'src', 'dev', 'call-loopback.js')], outfile: join(dir, 'app.js'), bundle: true, format: 'iife', logLevel: 'warning' });
  await writeFile(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script src="app.js"></script>');
  // Served from 127.0.0.1: getUserMedia needs a secure context.
  server = createServer(async (req, res) => {
    const file = req.url === '/app.js' ? 'app.js' : 'index.html';
    res.writeHead(200, { 'Content-Type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
    res.end(await readFile(join(dir, file)));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
  });
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function until(fn, what, timeout = 20_000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
}

const flow = () => page.evaluate(() => window.loopback.flow());

test('video call: invite, answer, connected with frames both ways, hang up ends both sides', async () => {
  await page.evaluate(() => window.loopback.invite('video'));
  assert.equal((await flow()).a.phase, 'calling');
  await until(async () => (await flow()).b.incoming, 'the incoming call');
  await page.evaluate(() => window.loopback.answer());
  const first = await until(async () => {
    const f = await flow();
    return f.a.state === 'connected' && f.b.state === 'connected' && f.a.decoded > 5 && f.b.decoded > 5 && f;
  }, 'connected with frames');
  assert.equal(first.a.phase, 'connected');
  assert.equal(first.b.phase, 'connected');
  await until(async () => {
    const f = await flow();
    return f.a.decoded > first.a.decoded && f.b.decoded > first.b.decoded;
  }, 'frames still flowing');

  await page.evaluate(() => window.loopback.toggle('a', 'mic'));
  assert.deepEqual(await page.evaluate(() => window.loopback.tracks('a')), ['audio:false', 'video:true']);

  await page.evaluate(() => window.loopback.hangup('b'));
  await until(async () => {
    const f = await flow();
    return f.a.phase === null && f.b.phase === null;
  }, 'both sides ended');
  assert.deepEqual((await page.evaluate(() => window.loopback.ended())).a, ['hangup']);
});

test('audio call declined: the caller is told, nothing stays open', async () => {
  await page.evaluate(() => window.loopback.invite('audio'));
  await until(async () => (await flow()).b.incoming, 'the incoming call');
  await page.evaluate(() => window.loopback.decline());
  await until(async () => (await flow()).a.phase === null, 'the caller to end');
  assert.equal((await page.evaluate(() => window.loopback.ended())).a.at(-1), 'declined');
});
