// Shared helpers for the browser tests (node --test tests/browser/).
//
//   import { startCluster, launchBrowser, screenshot, managerLogin } from './harness.mjs';
//
//   const cluster = await startCluster({ nodes: 2 });
//   // cluster.urls      ['http://127.0.0.1:PORT', …], one per node
//   // cluster.site      {id, key}  (its origins are every node's URL)
//   // cluster.admin     {email, password}   cluster.manager {email, password}
//   const browser = await launchBrowser();
//   const page = await browser.newPage();
//   await page.goto(`${cluster.urls[0]}/demo/?site_key=${cluster.site.key}`);
//   await screenshot(page, 'widget-open');   // test-artifacts/screenshots/widget-open.png
//   await browser.close();
//   await cluster.stop();                     // kills the nodes, drops the database
//
// Environment:
//   SWITCHBOARD_BIN     the server binary (default /var/tmp/switchboard-target/debug/switchboard)
//   TEST_DATABASE_URL   a Postgres URL whose server hosts the throwaway databases
//                       (default postgres://postgres@127.0.0.1:5432)
//   TEST_REDIS_URL      default redis://127.0.0.1:6379 (each cluster gets its own key prefix)
//   CHROMIUM            the browser (default /usr/bin/chromium)
//   SB_NODE_LOGS=1      echo the nodes' output (otherwise kept and printed only on failure to start)

import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const run = promisify(execFile);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const BIN = process.env.SWITCHBOARD_BIN || '/var/tmp/switchboard-target/debug/switchboard';
const PG_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const START_TIMEOUT_MS = 60_000;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

/** A free TCP port on 127.0.0.1 (bound and released; the race is acceptable in tests). */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** The URL of database `name` on the server of TEST_DATABASE_URL. */
function databaseUrl(name) {
  const u = new URL(PG_URL);
  u.pathname = '/' + name;
  return u.toString();
}

async function psql(sql) {
  await run('psql', [databaseUrl(new URL(PG_URL).pathname.slice(1) || 'postgres'), '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]);
}

/** Deletes a test's keys from the shared Redis (best effort: needs redis-cli). */
async function dropRedisPrefix(prefix) {
  const url = REDIS_URL;
  try {
    const { stdout } = await run('redis-cli', ['-u', url, '--scan', '--pattern', `${prefix}*`]);
    const keys = stdout.split('\n').filter(Boolean);
    for (let i = 0; i < keys.length; i += 500) await run('redis-cli', ['-u', url, 'DEL', ...keys.slice(i, i + 500)]);
  } catch (e) {
    if (e.code !== 'ENOENT') console.warn('redis cleanup:', e.message);
  }
}

/** Runs the switchboard CLI once; returns its stdout parsed as JSON when it is JSON. */
async function cli(args, env, stdin) {
  return new Promise((ok, fail) => {
    const child = spawn(BIN, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0) return fail(new Error(`switchboard ${args.join(' ')} exited ${code}: ${err || out}`));
      const line = out.trim().split('\n').pop() || '';
      try {
        ok(JSON.parse(line));
      } catch {
        ok(out);
      }
    });
    child.stdin.end(stdin || '');
  });
}

/** Starts one `switchboard serve`; resolves with {url, child} once it prints its listening line. */
function serve(env, index) {
  return new Promise((ok, fail) => {
    const child = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`node ${index} did not start within ${START_TIMEOUT_MS} ms:\n${log}`)), START_TIMEOUT_MS);
    const finish = (err, url) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        child.kill('SIGKILL');
        fail(err);
      } else ok({ url, child });
    };
    const onData = (d) => {
      const s = d.toString();
      log += s;
      if (process.env.SB_NODE_LOGS) process.stderr.write(`[node${index}] ${s}`);
      const m = s.match(/switchboard listening on (http:\/\/[^\s]+)/);
      if (m) finish(null, m[1].replace(/\/$/, ''));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => finish(e));
    child.on('exit', (code) => finish(new Error(`node ${index} exited ${code} before listening:\n${log}`)));
  });
}

/**
 * A fresh cluster of `nodes` switchboard nodes sharing a new Postgres database
 * and a fresh Redis key prefix, with one site (origins: every node's URL), an
 * admin and a manager. `stop()` kills the nodes and drops the database.
 */
export async function startCluster({ nodes = 2, routing = 'manual' } = {}) {
  const suffix = randomBytes(5).toString('hex');
  const dbName = `sb_browser_${suffix}`;
  const redisPrefix = `sbb_${suffix}:`;
  await psql(`CREATE DATABASE ${dbName}`);
  const children = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise((ok) => {
            if (c.exitCode !== null || c.signalCode) return ok();
            c.once('exit', ok);
            c.kill('SIGKILL');
          }),
      ),
    );
    await psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((e) => console.warn('drop database:', e.message));
    await dropRedisPrefix(redisPrefix);
  };
  try {
    const ports = [];
    for (let i = 0; i < nodes; i++) ports.push(await freePort());
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl(dbName),
      REDIS_URL,
      SWITCHBOARD__REDIS__PREFIX: redisPrefix,
      SWITCHBOARD__SERVER__ASSETS_DIR: REPO_ROOT,
      RUST_LOG: process.env.RUST_LOG || 'info',
    };
    await cli(['migrate'], env);
    const origins = urls.flatMap((u) => ['--origin', u]);
    const site = await cli(['site', 'create', '--name', 'Орбита', ...origins, '--routing', routing], env);
    const admin = { email: `admin-${suffix}@example.com`, password: `admin-pass-${suffix}`, name: 'Мария Админова' };
    const manager = { email: `anna-${suffix}@example.com`, password: `anna-pass-${suffix}`, name: 'Анна Смирнова' };
    await cli(['manager', 'create', '--site', site.id, '--email', admin.email, '--name', admin.name, '--role', 'admin'], env, admin.password + '\n');
    await cli(['manager', 'create', '--site', site.id, '--email', manager.email, '--name', manager.name, '--role', 'manager'], env, manager.password + '\n');
    const started = await Promise.all(ports.map((p, i) => serve({ ...env, SWITCHBOARD_LISTEN: `127.0.0.1:${p}` }, i + 1)));
    started.forEach((s) => children.push(s.child));
    return { urls: started.map((s) => s.url), site, admin, manager, database: dbName, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Headless Chromium from Debian, with a fake camera and microphone granted without a prompt. */
export async function launchBrowser(options = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
}

/** Saves test-artifacts/screenshots/NAME.png and returns its path. */
export async function screenshot(page, name, options = {}) {
  const dir = join(ARTIFACTS, 'screenshots');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, ...options });
  return path;
}

/** POST JSON to a node; returns the parsed reply, throws on a non-2xx status. */
export async function postJson(url, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body ?? {}) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Logs a manager in on a node: {token, manager, ice_servers}. */
export function managerLogin(baseUrl, { email, password }) {
  return postJson(`${baseUrl}/manager/auth`, { email, password });
}

/**
 * A Socket.IO client (from npm socket.io-client, in this Node process) on a
 * node's namespace, connected with `token`; resolves once connected.
 */
export async function connectSocket(baseUrl, namespace, token) {
  const { io } = await import('socket.io-client');
  const socket = io(baseUrl + namespace, { path: '/socket.io/', transports: ['websocket'], auth: { token }, reconnection: true });
  await new Promise((ok, fail) => {
    socket.once('connect', ok);
    socket.once('connect_error', fail);
  });
  return socket;
}

/** Emits with an ack; resolves with the `{ok:true,…}` reply, rejects on `{ok:false}` or after timeoutMs. */
export function ask(socket, event, payload, timeoutMs = 10_000) {
  return new Promise((ok, fail) => {
    socket.timeout(timeoutMs).emit(event, payload, (err, res) => {
      if (err) return fail(new Error(`${event}: no ack within ${timeoutMs} ms`));
      if (!res || res.ok === false) return fail(new Error(`${event}: ${JSON.stringify(res)}`));
      ok(res);
    });
  });
}

/** Resolves with the first `event` payload for which `predicate` holds (rejects after timeoutMs). */
export function nextEvent(socket, event, predicate = () => true, timeoutMs = 15_000) {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      fail(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, on);
      ok(payload);
    };
    socket.on(event, on);
  });
}

/**
 * The other end of a call, for tests: a Chromium page on `baseUrl` (a secure
 * context, so it has getUserMedia) that holds a /call socket with `token`
 * (usually a manager's) and one RTCPeerConnection driven by the contract's
 * signaling. Incoming calls are accepted automatically when `autoAccept`.
 *
 *   const peer = await startCallPeer(browser, urls[1], managerToken, { iceServers });
 *   await peer.invite(sessionId, 'video');          // the test's side calls
 *   await peer.waitFor('connected');                // RTCPeerConnection state
 *   await peer.hangup();
 */
export async function startCallPeer(browser, baseUrl, token, { iceServers = [], autoAccept = true } = {}) {
  const page = await browser.newPage();
  await page.goto(`${baseUrl}/healthz`);
  await page.addScriptTag({ path: join(REPO_ROOT, 'node_modules/socket.io-client/dist/socket.io.min.js') });
  await page.evaluate(
    async ({ baseUrl, token, iceServers, autoAccept }) => {
      const sock = window.io(baseUrl + '/call', { path: '/socket.io/', transports: ['websocket'], auth: { token } });
      await new Promise((ok, fail) => {
        sock.once('connect', ok);
        sock.once('connect_error', fail);
      });
      const ask = (ev, p) =>
        new Promise((ok, fail) =>
          sock.timeout(10000).emit(ev, p, (err, res) => (err || !res || !res.ok ? fail(new Error(ev + ' ' + JSON.stringify(res || err.message))) : ok(res))),
        );
      const peer = { sock, call: null, pc: null, pending: [], state: 'idle', ended: null, log: [] };
      const note = (s) => peer.log.push(s);
      const setup = async (media) => {
        const local = await navigator.mediaDevices.getUserMedia({ audio: true, video: media === 'video' });
        const pc = new RTCPeerConnection({ iceServers });
        peer.pc = pc;
        local.getTracks().forEach((t) => pc.addTrack(t, local));
        pc.onicecandidate = (e) => e.candidate && peer.call && ask('call:ice', { call_id: peer.call.id, candidate: e.candidate.toJSON() }).catch(() => {});
        pc.onconnectionstatechange = () => {
          peer.state = pc.connectionState;
          note('pc:' + pc.connectionState);
        };
        pc.ontrack = (e) => note('track:' + e.track.kind);
      };
      const flush = async () => {
        for (const c of peer.pending.splice(0)) await peer.pc.addIceCandidate(c);
      };
      sock.on('call:incoming', async ({ call }) => {
        note('incoming:' + call.media);
        peer.call = call;
        if (!autoAccept) return;
        await setup(call.media);
        await ask('call:accept', { call_id: call.id });
      });
      sock.on('call:accepted', async ({ call }) => {
        note('accepted');
        const offer = await peer.pc.createOffer();
        await peer.pc.setLocalDescription(offer);
        await ask('call:offer', { call_id: call.id, sdp: { type: offer.type, sdp: offer.sdp } });
      });
      sock.on('call:offer', async ({ sdp }) => {
        note('offer');
        await peer.pc.setRemoteDescription(sdp);
        await flush();
        const answer = await peer.pc.createAnswer();
        await peer.pc.setLocalDescription(answer);
        await ask('call:answer', { call_id: peer.call.id, sdp: { type: answer.type, sdp: answer.sdp } });
      });
      sock.on('call:answer', async ({ sdp }) => {
        note('answer');
        await peer.pc.setRemoteDescription(sdp);
        await flush();
      });
      sock.on('call:ice', async ({ candidate }) => {
        if (peer.pc && peer.pc.remoteDescription) await peer.pc.addIceCandidate(candidate);
        else peer.pending.push(candidate);
      });
      sock.on('call:ended', ({ reason }) => {
        note('ended:' + reason);
        peer.ended = reason;
        if (peer.pc) peer.pc.close();
        peer.state = 'closed';
      });
      peer.invite = async (sessionId, media) => {
        peer.ended = null;
        await setup(media);
        const res = await ask('call:invite', { session_id: sessionId, media });
        peer.call = res.call;
        return res.call;
      };
      peer.hangup = async () => {
        await ask('call:end', { call_id: peer.call.id });
        peer.pc.close();
        peer.state = 'closed';
      };
      window.peer = peer;
    },
    { baseUrl, token, iceServers, autoAccept },
  );
  const waitFn = (fn, arg, timeout = 20_000) => page.waitForFunction(fn, arg, { timeout, polling: 100 });
  return {
    page,
    invite: (sessionId, media) => page.evaluate(([s, m]) => window.peer.invite(s, m), [sessionId, media]),
    hangup: () => page.evaluate(() => window.peer.hangup()),
    /** Waits for the RTCPeerConnection's connectionState (or 'closed' after call:ended). */
    waitFor: (state, timeout) => waitFn((s) => window.peer.state === s, state, timeout),
    waitEnded: (timeout) => waitFn(() => window.peer.ended !== null, undefined, timeout).then(() => page.evaluate(() => window.peer.ended)),
    log: () => page.evaluate(() => window.peer.log),
    close: () => page.close(),
  };
}
