/**
 * Save benchmark (part of `npm run bench`, or alone: `npx tsx bench/save.ts`).
 *
 * - save_ms: saving an edited 1 MB JSON value as Edit Value does it: through the WATCH taken when the
 *   value was loaded, MULTI, SET, PEXPIREAT (the loaded expiry), EXEC, in one round trip;
 * - checked_save_ms: the same save without a watch (after a lost connection, on a cluster): the
 *   script that checks the stored value's SHA-1, reads the PTTL, writes and sets the PTTL again.
 * - set_pexpire_ms: a plain pipelined SET + PEXPIRE of the same bytes with the same client, which
 *   neither keeps the TTL exactly nor notices anyone else's write.
 * - save_vs_set_ratio: the first over the second. Target: <= 1.5.
 * - encode_ms: turning the edited text back into the stored bytes (validation, json.dumps style),
 *   client CPU before the save; reported apart, it is not a server write.
 *
 * Medians of alternated runs, on a redis-server started by the harness.
 */
import { RedisServer } from '../test/support/redisServer';
import { ConnectionManager } from '../src/connection/connectionManager';
import { parseRedisUrl } from '../src/redis/url';
import { editForm, encodeEdit, sha1 } from '../src/redis/valueWrite';
import { median, round, timed } from './measure';

const RUNS = 25;
export const SAVE_TARGET = 1.5;

/** About 1 MB of json.dumps output, shaped like a cached list of NOVA records. */
function novaJson(): Buffer {
  const rows = Array.from({ length: 9100 }, (_, i) => ({ id: i, sku: `SKU-${100000 + i}`, name: `Produit n° ${i}`, price: (i % 97) + 0.99, tags: ['a', 'b'], stock: i % 13 }));
  // Python's separators ", " and ": " (no string here holds a comma or a colon).
  return Buffer.from(JSON.stringify(rows).replace(/,/g, ', ').replace(/:/g, ': '));
}

export async function runSaveBench(): Promise<Record<string, number>> {
  const server = await RedisServer.start();
  const manager = new ConnectionManager({ connectTimeoutMs: 5000, commandTimeoutMs: 20_000, heartbeatMs: 60_000, backoffMs: [100], readOnly: () => 'off' });
  const plain = server.admin(1);
  try {
    manager.configure(parseRedisUrl(server.url(1)), { defaulted: false });
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 10_000;
      const check = (): void => (manager.state.kind === 'connected' ? resolve() : Date.now() > deadline ? reject(new Error('no connection')) : void setTimeout(check, 20));
      check();
    });
    const session = manager.requireSession();
    const key = Buffer.from('nova:cache:bench:save');
    const stored = novaJson();
    await plain.set(key, stored, 'EX', 3600);
    const loaded = await session.readWholeString(key);
    const form = editForm(loaded.bytes);
    if (!form.ok) {
      throw new Error('the benchmark value is not editable');
    }
    const text = form.form.text.replace('"Produit n° 0"', '"Produit n° 0 (édité)"');
    const bytes = encodeEdit(form.form, text);
    const saves: number[] = [];
    const checked: number[] = [];
    const sets: number[] = [];
    const encodes: number[] = [];
    for (let i = 0; i < RUNS + 2; i++) {
      const set = await timed(() => plain.pipeline().set(key, bytes).pexpire(key, 3_600_000).exec());
      // As Edit Value does: the value loaded with its WATCH, then saved through it.
      const edit = await session.readForEdit(key);
      // Hashed when the tab loads the value, as Edit Value does, not when it saves.
      const base = sha1(edit.loaded.bytes);
      let status = '';
      const save = await timed(async () => {
        status = (await session.saveString(key, bytes, { mode: 'check', expectedSha1: base }, edit.watch)).status;
      });
      edit.watch?.dispose();
      // The checked path alone (a save after the watch was lost, or on a cluster): the script hashes
      // the stored value on the server.
      const written = sha1(bytes);
      const check = await timed(async () => {
        const again = (await session.saveString(key, bytes, { mode: 'check', expectedSha1: written })).status;
        status = status === 'saved' ? again : status;
      });
      if (status !== 'saved') {
        throw new Error(`save: ${status}`);
      }
      const encode = await timed(() => Promise.resolve(encodeEdit(form.form, text)));
      // The first runs warm the JIT and the script cache.
      if (i >= 2) {
        sets.push(set);
        saves.push(save);
        checked.push(check);
        encodes.push(encode);
      }
    }
    const s = median(saves);
    const p = median(sets);
    return {
      save_value_bytes: bytes.length,
      save_ms: round(s, 2),
      set_pexpire_ms: round(p, 2),
      save_vs_set_ratio: round(s / p, 2),
      checked_save_ms: round(median(checked), 2),
      encode_ms: round(median(encodes), 2),
    };
  } finally {
    manager.dispose();
    plain.disconnect();
    await server.stop();
  }
}

export function saveRows(r: Record<string, unknown>, pass: boolean): [string, unknown, string][] {
  return [
    ['save_ms (1 MB JSON, checked, TTL kept)', r.save_ms, ''],
    ['set_pexpire_ms (plain SET + PEXPIRE)', r.set_pexpire_ms, ''],
    ['save_vs_set_ratio', r.save_vs_set_ratio, `<= ${SAVE_TARGET}  ${pass ? 'ok' : 'MISSED'}`],
    ['  checked_save_ms (without the watch: script)', r.checked_save_ms, 'after a lost watch, on a cluster'],
    ['  encode_ms (text to stored bytes)', r.encode_ms, 'client CPU'],
  ];
}

if (process.argv[1]?.endsWith('save.ts')) {
  runSaveBench().then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
