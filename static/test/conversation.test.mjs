// Unit tests of the widget's message bookkeeping (no browser needed):
//   node --test static/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Conversation } from '../src/conversation.js';

const S = '11111111-1111-4111-8111-111111111111';
let n = 0;
const msg = (seq, extra = {}) => ({
  id: `m-${seq}-${++n}`,
  session_id: S,
  seq,
  sender: 'manager',
  kind: 'text',
  text: `#${seq}`,
  client_id: null,
  created_at: new Date(1700000000000 + seq * 1000).toISOString(),
  ...extra,
});

test('orders by seq and de-duplicates by id', () => {
  const c = new Conversation(S);
  const m2 = msg(2);
  c.addStored(m2);
  c.addStored(msg(1));
  assert.equal(c.addStored(m2).added, false);
  c.addStored(msg(3));
  assert.deepEqual(c.items().map((i) => i.seq), [1, 2, 3]);
});

test('reports a gap when a seq skips ahead, and tracks the contiguous watermark', () => {
  const c = new Conversation(S);
  assert.equal(c.addStored(msg(1)).gap, false);
  assert.equal(c.addStored(msg(3)).gap, true);
  assert.equal(c.contiguousSeq, 1);
  assert.equal(c.maxSeq, 3);
  c.addStored(msg(2));
  assert.equal(c.contiguousSeq, 3);
});

test('ignores messages of another session', () => {
  const c = new Conversation(S);
  assert.equal(c.addStored(msg(1, { session_id: 'other' })).added, false);
  assert.equal(c.items().length, 0);
});

test('an acknowledged message takes over its optimistic twin (same key, no duplicate)', () => {
  const c = new Conversation(S);
  const p = c.addPending('привет');
  assert.equal(c.items()[0].status, 'sending');
  c.addStored(msg(1, { sender: 'visitor', text: 'привет', client_id: p.client_id }));
  const items = c.items();
  assert.equal(items.length, 1);
  assert.equal(items[0].key, p.key);
  assert.equal(items[0].status, 'sent');
  assert.equal(c.pending().length, 0);
});

test('pending messages follow the stored ones; failed ones stay until retried', () => {
  const c = new Conversation(S);
  const a = c.addPending('a');
  c.addStored(msg(1));
  c.setStatus(a.client_id, 'failed');
  assert.deepEqual(c.items().map((i) => i.status), ['sent', 'failed']);
  assert.equal(c.pending().length, 1);
  assert.match(a.client_id, /^[A-Za-z0-9_-]{1,64}$/);
});

test('an AI stream grows and is replaced by the final message', () => {
  const c = new Conversation(S);
  c.addStored(msg(1, { sender: 'visitor' }));
  c.appendDelta('r1', 'Тариф ');
  c.appendDelta('r1', 'стоит');
  assert.equal(c.items().at(-1).text, 'Тариф стоит');
  assert.equal(c.items().at(-1).status, 'streaming');
  c.addStored(msg(2, { sender: 'ai', text: 'Тариф стоит 1 490 ₽' }));
  assert.deepEqual(c.items().map((i) => i.text), ['#1', 'Тариф стоит 1 490 ₽']);
});

test('a conversation without a session adopts the first stored message\'s session', () => {
  const c = new Conversation();
  c.addStored(msg(1));
  assert.equal(c.sessionId, S);
});

test('the final AI message ends the stream it answers, found through its client_id', () => {
  const c = new Conversation(S);
  c.appendDelta('aaaaaaaa-0000-4000-8000-000000000001', 'first ');
  c.appendDelta('bbbbbbbb-0000-4000-8000-000000000002', 'second ');
  c.addStored(msg(3, { sender: 'ai', text: 'second done', client_id: 'ai-bbbbbbbb000040008000000000000002' }));
  const streams = c.items().filter((i) => i.status === 'streaming');
  assert.deepEqual(streams.map((i) => i.text), ['first ']);
});
