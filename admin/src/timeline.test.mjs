// Unit tests of the panel's timeline bookkeeping: node --test admin/src/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timeline, newClientId } from './timeline.js';

const msg = (seq, extra = {}) => ({ id: `id-${seq}`, seq, sender: 'visitor', text: `m${seq}`, created_at: new Date(seq * 1000).toISOString(), ...extra });

test('messages are kept in seq order and de-duplicated by id', () => {
  const tl = new Timeline();
  assert.deepEqual(tl.add(msg(1)), { added: true, gap: false });
  assert.deepEqual(tl.add(msg(1)), { added: false, gap: false });
  tl.add(msg(3));
  tl.add(msg(2));
  assert.deepEqual(tl.messages.map((m) => m.seq), [1, 2, 3]);
  assert.equal(tl.lastSeq, 3);
});

test('a gap is reported and contiguousSeq stops before it until it is filled', () => {
  const tl = new Timeline();
  tl.add(msg(1));
  assert.equal(tl.add(msg(4)).gap, true);
  assert.equal(tl.contiguousSeq, 1);
  tl.add(msg(2));
  assert.equal(tl.contiguousSeq, 2);
  assert.equal(tl.add(msg(3)).gap, false);
  assert.equal(tl.contiguousSeq, 4);
});

test('the stored message replaces the pending one with the same client_id', () => {
  const tl = new Timeline();
  const cid = newClientId();
  tl.addPending(cid, 'hello');
  assert.equal(tl.pending.size, 1);
  tl.add(msg(1, { sender: 'manager', client_id: cid }));
  assert.equal(tl.pending.size, 0);
  assert.equal(tl.messages.length, 1);
});

test('client ids fit the contract: 1–64 of [A-Za-z0-9_-], and differ', () => {
  const ids = new Set(Array.from({ length: 1000 }, newClientId));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{1,64}$/);
});
