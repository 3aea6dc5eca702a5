/**
 * The explorer's own SCAN connection (ScanWire) against a real redis-server: every key exactly once
 * and byte for byte (names holding CR LF, NUL, and names long enough to be cut across socket reads),
 * the next SCAN leaving before the last reply was all read, a server error, a killed connection from
 * which the scan goes on over the shared one, and the session's explorer using it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { ConnectionManager } from '../../src/connection/connectionManager';
import { isNovaError } from '../../src/redis/errors';
import type { FolderNode } from '../../src/redis/explorerModel';
import { KeyScanner } from '../../src/redis/scan';
import { ScanWire } from '../../src/redis/scanWire';
import { parseRedisUrl } from '../../src/redis/url';
import { connectionsNamed } from '../support/clients';
import { waitFor } from '../support/redisServer';
import { EngineServer, hex, setKeys } from './scanEngine.helpers';

const fx = new EngineServer();

/** A connected, idle client whose socket a ScanWire may take over. */
async function wireOn(db: number): Promise<{ wire: ScanWire; client: Redis }> {
  const client = fx.client(db);
  await client.ping();
  return { wire: new ScanWire(client), client };
}

/** Names that a text round trip or a line-based reader would get wrong, and some longer than a socket read. */
function awkwardNames(): Buffer[] {
  const names: Buffer[] = [];
  for (let i = 0; i < 3000; i++) {
    names.push(Buffer.from(`w:${i}:\r\n:*2\r\n$3`));
  }
  names.push(Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x24, 0x2a]));
  for (let i = 0; i < 5; i++) {
    names.push(Buffer.concat([Buffer.from(`long:${i}:`), Buffer.alloc(150_000 + i, 0x0d)]));
  }
  return names;
}

async function scanAll(scanner: KeyScanner): Promise<Buffer[]> {
  const keys: Buffer[] = [];
  while (!scanner.done) {
    keys.push(...(await scanner.next({ prefetch: true })).keys);
  }
  return keys;
}

function sortedHex(keys: readonly Buffer[]): string[] {
  return [...new Set(keys.map(hex))].sort();
}

describe('the explorer\'s SCAN connection', () => {
  test('every key once and byte for byte, names with CR LF, NUL and over 150 KB included', async () => {
    const c = await fx.freshDb(3);
    const names = awkwardNames();
    await setKeys(c, names);
    const { wire } = await wireOn(3);
    try {
      const scanner = new KeyScanner(c, fx.caps, { count: 500, wire: () => wire });
      const keys = await scanAll(scanner);
      assert.deepEqual(sortedHex(keys), sortedHex(names));
      assert.ok(wire.isOpen);
    } finally {
      wire.close();
    }
  });

  test('with prefetch, the next SCAN is sent once the cursor is in, before the reply\'s keys are handed over', async () => {
    const c = await fx.freshDb(4);
    await setKeys(
      c,
      Array.from({ length: 5000 }, (_, i) => `p:${i}`),
    );
    const { wire } = await wireOn(4);
    const events: string[] = [];
    const scan = wire.scan.bind(wire);
    let n = 0;
    // Records what the scanner asks of the wire and when each reply is handed over.
    wire.scan = (cursor, args, onCursor) => {
      const id = n++;
      events.push(`send ${id}`);
      const reply = scan(cursor, args, onCursor);
      void reply.then(() => events.push(`reply ${id}`), () => undefined);
      return reply;
    };
    try {
      const scanner = new KeyScanner(c, fx.caps, { count: 500, wire: () => wire });
      const keys = await scanAll(scanner);
      assert.equal(new Set(keys.map(hex)).size, 5000);
      // Request 1 left while the reply to request 0 was being read, and so on down the walk.
      assert.ok(events.indexOf('send 1') < events.indexOf('reply 0'), events.slice(0, 6).join(', '));
      assert.ok(events.indexOf('send 2') < events.indexOf('reply 1'), events.slice(0, 8).join(', '));
    } finally {
      wire.close();
    }
  });

  test('a server error fails that SCAN only, with the server\'s text; the wire goes on', async () => {
    const c = await fx.freshDb(5);
    await setKeys(c, ['e:1', 'e:2']);
    const { wire } = await wireOn(5);
    try {
      await assert.rejects(wire.scan('not-a-cursor', ['COUNT', '10']), (err: unknown) => isNovaError(err) && /invalid cursor/i.test(err.detail));
      const [cursor, keys] = await wire.scan('0', ['COUNT', '100']);
      assert.equal(cursor.toString(), '0');
      assert.deepEqual(keys.map(String).sort(), ['e:1', 'e:2']);
    } finally {
      wire.close();
    }
  });

  test('the wire killed mid-scan: the scan goes on over the shared connection and still lists every key once', async () => {
    const c = await fx.freshDb(6);
    const names = Array.from({ length: 20_000 }, (_, i) => `k:${i}`);
    await setKeys(c, names);
    const { wire, client } = await wireOn(6);
    try {
      const scanner = new KeyScanner(c, fx.caps, { count: 200, wire: () => wire });
      const keys: Buffer[] = [];
      keys.push(...(await scanner.next({ prefetch: true })).keys);
      // By address: the old form of CLIENT KILL, which every version has.
      await fx.admin.client('KILL', `${client.stream.localAddress ?? ''}:${client.stream.localPort ?? ''}`);
      await waitFor('the wire to see its socket close', () => !wire.isOpen);
      for (;;) {
        try {
          const page = await scanner.next({ prefetch: true });
          keys.push(...page.keys);
          if (page.done) {
            break;
          }
        } catch (err) {
          // The SCANs that were on the killed connection fail once; the next call sends them again.
          assert.ok(isNovaError(err, 'CONNECTION_LOST'), String(err));
        }
      }
      assert.deepEqual(sortedHex(keys), sortedHex(names.map((x) => Buffer.from(x))));
    } finally {
      wire.close();
    }
  });

  test('a session\'s explorer scans on a connection of its own once it is open, with exact counts', async () => {
    const c = await fx.freshDb(7);
    await setKeys(
      c,
      Array.from({ length: 30_000 }, (_, i) => `nova:cache:${['user', 'product', 'order'][i % 3]}:${i}`),
    );
    const manager = new ConnectionManager({ connectTimeoutMs: 2000, commandTimeoutMs: 5000, heartbeatMs: 60_000, backoffMs: [100], readOnly: () => 'off' });
    try {
      manager.configure(parseRedisUrl(fx.server.url(7)), { defaulted: false });
      await waitFor('connected', () => manager.state.kind === 'connected');
      const session = manager.requireSession();
      const first = session.createExplorer({ scanCount: 100 });
      await first.children();
      const scanClients = (): Promise<string[]> => connectionsNamed(fx.admin, 'scan');
      await waitFor('the scan connection', async () => (await scanClients()).length === 1);
      first.dispose();
      const model = session.createExplorer();
      await model.scanAll();
      assert.equal(model.status.keys, 30_000);
      const folder = async (parent: FolderNode | undefined, label: string): Promise<FolderNode> => {
        const found = (await model.children(parent)).find((n): n is FolderNode => n.kind === 'folder' && n.label === label);
        assert.ok(found, `folder ${label}`);
        return found;
      };
      const cache = await folder(await folder(undefined, 'nova'), 'cache');
      const counts = (await model.children(cache)).map((n) => (n.kind === 'folder' ? `${n.label} ${n.count}${n.partial ? '+' : ''}` : n.kind));
      assert.deepEqual(counts.sort(), ['order 10000', 'product 10000', 'user 10000']);
      assert.match((await scanClients())[0], / cmd=scan( |$)/, 'its last command was a SCAN');
    } finally {
      manager.dispose();
    }
  });
});
