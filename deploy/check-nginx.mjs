// Client side of deploy/check-nginx.sh. Long-polling clients through a load balancer that
// hashes by client address; then, through the round-robin one, N visitors on websockets,
// SIGTERM one node: its clients must come back through the load balancer on the other
// node with nothing lost. Exits non-zero on any broken promise.
//
// Environment: LB (round robin), LB_HASH (client-address hash), NODE_A_PORT, NODE_B_PORT,
// VICTIM_PID (node A), SITE_KEY, ORIGIN, N.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const { io } = createRequire(join(repo, 'package.json'))('socket.io-client');
const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const LB = env('LB'), LB_HASH = env('LB_HASH'), ORIGIN = env('ORIGIN'), SITE_KEY = env('SITE_KEY');
const A = env('NODE_A_PORT'), B = env('NODE_B_PORT'), VICTIM_PID = Number(env('VICTIM_PID'));
const N = Number(process.env.N ?? 40);
const failures = [];
const check = (ok, what) => { console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failures.push(what); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

async function connections(port) {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith('socketio_connections'))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  } catch { return null; }
}
function ack(socket, event, payload) {
  return new Promise((resolve) => socket.timeout(10_000).emit(event, payload, (err, reply) =>
    resolve(err ? { ok: false, error: { code: 'timeout' } } : reply)));
}
async function visitorToken(lb) {
  const r = await fetch(`${lb}/widget/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: ORIGIN }, body: JSON.stringify({ site_key: SITE_KEY }) });
  if (r.status !== 200) throw new Error(`POST /widget/session: ${r.status} ${await r.text()}`);
  return (await r.json()).visitor_token;
}
function connect(lb, token, transports) {
  const socket = io(`${lb}/chat`, { transports, auth: { token }, extraHeaders: { origin: ORIGIN }, reconnectionDelay: 100, reconnectionDelayMax: 1000 });
  const client = { socket, droppedAt: null, backAfter: null };
  socket.on('disconnect', (reason) => {
    client.droppedAt ??= now();
    // A draining node closes its namespaces: socket.io-client leaves reconnecting to the
    // application after an `io server disconnect`, as the widget and the panel do.
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 50 + Math.random() * 200);
  });
  socket.on('connect', () => { if (client.droppedAt !== null) client.backAfter ??= now() - client.droppedAt; });
  return client;
}
const connected = (c) => c.socket.connected ? null : new Promise((r) => c.socket.once('connect', r));

async function websocketDrain() {
  console.log(`websockets through ${LB} (round robin), ${N} visitors`);
  // All REST calls first: interleaved with handshakes, round robin would put every
  // socket on the same node.
  const tokens = [];
  for (let i = 0; i < N; i++) tokens.push(await visitorToken(LB));
  const clients = tokens.map((t) => connect(LB, t, ['websocket']));
  await Promise.race([Promise.all(clients.map(connected)), sleep(10_000)]);
  const up = clients.filter((c) => c.socket.connected).length;
  check(up === N, `${up}/${N} websockets connected through the load balancer`);
  if (up !== N) { clients.forEach((c) => c.socket.close()); return; }
  const [onA, onB] = [await connections(A), await connections(B)];
  check(onA > 0 && onB > 0 && onA + onB === N, `sockets spread over both nodes (${onA} + ${onB} = ${N})`);
  const before = await Promise.all(clients.map((c, i) => ack(c.socket, 'message:send', { client_id: `before-${i}`, text: `before the drain ${i}` })));
  check(before.every((r) => r.ok), `${N} messages acknowledged before the drain`);

  const t0 = now();
  process.kill(VICTIM_PID, 'SIGTERM');
  let notReadyAfter = null, exitedAfter = null;
  while (exitedAfter === null && now() - t0 < 40_000) {
    if (notReadyAfter === null) {
      const status = await fetch(`http://127.0.0.1:${A}/readyz`).then((r) => r.status, () => 0);
      if (status !== 200) notReadyAfter = now() - t0;
    }
    try { process.kill(VICTIM_PID, 0); } catch { exitedAfter = now() - t0; }
    if (exitedAfter === null) await sleep(20);
  }
  const moved = clients.filter((c) => c.droppedAt !== null);
  const deadline = now() + 10_000;
  while (moved.some((c) => !c.socket.connected) && now() < deadline) await sleep(50);
  const worst = Math.max(...moved.map((c) => c.backAfter ?? Infinity));
  check(notReadyAfter !== null && notReadyAfter < 1000, `drained node's /readyz not 200 within 1 s (${Math.round(notReadyAfter)} ms)`);
  check(moved.length === onA && moved.every((c) => c.socket.connected), `its ${onA} clients reconnected through the load balancer (slowest ${Math.round(worst)} ms)`);
  check(exitedAfter !== null && exitedAfter < 30_000, `drained node exited within 30 s (${exitedAfter === null ? 'still running' : `${Math.round(exitedAfter)} ms`})`);
  check(await connections(B) === N, `all ${N} sockets now on the other node`);
  const after = await Promise.all(clients.map((c, i) => ack(c.socket, 'message:send', { client_id: `after-${i}`, text: `after the drain ${i}` })));
  check(after.every((r) => r.ok), `${N} messages acknowledged after the drain`);
  const synced = await Promise.all(clients.map((c) => ack(c.socket, 'messages:sync', { after_seq: 0 })));
  const complete = synced.filter((s, i) => s.ok && before[i].ok && after[i].ok
    && s.messages.some((m) => m.id === before[i].message.id) && s.messages.some((m) => m.id === after[i].message.id));
  check(complete.length === N, `messages:sync returns both messages for ${complete.length}/${N} visitors`);
  clients.forEach((c) => c.socket.close());
}

async function pollingWithAffinity() {
  const n = 10;
  console.log(`long-polling through ${LB_HASH} (hash $binary_remote_addr), ${n} visitors`);
  const results = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const client = connect(LB_HASH, await visitorToken(LB_HASH), ['polling']);
    await Promise.race([connected(client), sleep(5000)]);
    const reply = await ack(client.socket, 'message:send', { client_id: `poll-${i}`, text: 'over long-polling' });
    client.socket.close();
    return reply.ok;
  }));
  check(results.every(Boolean), `${results.filter(Boolean).length}/${n} polling visitors sent a message`);
}

try {
  // Polling first: it needs both nodes up.
  await pollingWithAffinity();
  await websocketDrain();
} catch (e) {
  failures.push(String(e));
  console.log(`  FAIL ${e.stack ?? e}`);
}
console.log(failures.length ? `check-nginx: ${failures.length} failure(s)` : 'check-nginx: all checks passed');
process.exit(failures.length ? 1 : 0);
