import t from 'tap';
import { validate, version } from 'uuid';
import { timeOrderedId } from './sqlite-event-ids.js';

t.test('a UUID version 7 with the time in its first 48 bits', async (t) => {
  const now = Date.UTC(2026, 11, 7, 1, 2, 3, 456);
  const id = timeOrderedId(now + 10_000_000); // ahead of any id made before in this process
  t.ok(validate(id), id);
  t.equal(version(id), 7);
  t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), now + 10_000_000);
});

t.test('strictly increasing and unique: within one millisecond, past 4,096 of them, and when the clock steps back', async (t) => {
  const ids: string[] = [];
  const at = Date.now() + 20_000_000;
  for (let i = 0; i < 10_000; i++) ids.push(timeOrderedId(at));
  for (let i = 0; i < 100; i++) ids.push(timeOrderedId(at - 5_000));
  for (let i = 0; i < 1_000; i++) ids.push(timeOrderedId());
  let sorted = true;
  for (let i = 1; i < ids.length; i++) if (!(ids[i - 1]! < ids[i]!)) sorted = false;
  t.ok(sorted, 'each id sorts after the one before');
  t.equal(new Set(ids).size, ids.length);
  t.ok(ids.every((id) => validate(id) && version(id) === 7));
  // the 4,097th id of one millisecond borrows the next
  t.equal(parseInt(ids[4096]!.slice(0, 8) + ids[4096]!.slice(9, 13), 16), at + 1);
});

t.test('the random bits differ from id to id (across pool refills)', async (t) => {
  const tails = new Set<string>();
  for (let i = 0; i < 1_000; i++) tails.add(timeOrderedId().slice(19));
  t.equal(tails.size, 1_000);
});
