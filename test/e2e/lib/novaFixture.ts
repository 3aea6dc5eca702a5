/**
 * What a NOVA end-to-end session runs against: a real redis-server holding NOVA-shaped data in DB 1
 * (the DB the backend uses), marker keys in DB 0 (which nothing NOVA does may touch), and a workspace
 * folder whose `.env` points the extension at that server, the way the Python backend's does.
 *
 * Seeding sends only what Redis 3.0 has (SET EX, HMSET, RPUSH), so the same fixture runs against an old
 * server through NOVA_TEST_REDIS_SERVER.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import type Redis from 'ioredis';
import { RedisServer } from '../../support/redisServer';
import { seedNovaData } from '../../support/seed';
import { resultsDir } from './codeServer';

/** pickle.dumps({'user': 42, 'when': datetime.datetime(2025, 10, 9, 12, 0)}, protocol=2), as CPython writes it. */
const PICKLED_REPORT =
  '80027d71002858040000007573657271014b2a58040000007768656e7102636461746574696d650a6461746574696d650a7103635f636f646563730a656e636f64650a7104580b00000007c3a90a090c0000000000710558060000006c6174696e31710686710752710885710952710a752e';

/** Users with fixed ids well above the generated ones, so their names never collide with seedNovaData's. */
const USER_IDS = [1001, 1002, 1003, 1004, 1005];
/** Generated keys on top of the fixed ones: enough for every namespace of the seed to appear, few enough that
 * the tree fits the window and the whole keyspace is scanned at once (exact folder counts, no "Load more…"). */
const GENERATED_KEYS = 40;

export class NovaFixture {
  /** A JSON string under `nova:cache:user:`, EX 3600, as `cache_data(key, value, ttl=3600)` writes it. */
  readonly jsonKey = `nova:cache:user:${USER_IDS[0]}`;
  readonly userKeys = USER_IDS.map((id) => `nova:cache:user:${id}`);
  readonly sessionKey = 'nova:session:5f0c1e2a9b7d4e3fa1c2b3d4e5f60718';
  readonly hashKey = `nova:user:${USER_IDS[0]}:profile`;
  readonly listKey = 'nova:queue:emails:e2e';
  /** Two keys under one prefix, each pickle.dumps({'user': 42, 'when': datetime(2025, 10, 9, 12, 0)}) (protocol 2). */
  readonly pickleKeys = ['nova:cache:report:1', 'nova:cache:report:2'];
  /** Keys in DB 0: a flush of DB 1 must leave them alone. */
  readonly markerKeys = ['nova-e2e:marker:db0:a', 'nova-e2e:marker:db0:b', 'nova-e2e:marker:db0:c'];

  private constructor(
    readonly server: RedisServer,
    readonly workspace: string,
  ) {}

  /**
   * Starts the server, seeds it and writes `<test-results>/e2e/workspaces/<name>/.env`. The workspace lives
   * outside the session's run folder, which code-server's harness empties when the session starts.
   */
  static async start(name: string): Promise<NovaFixture> {
    const server = await RedisServer.start();
    const workspace = path.join(resultsDir, 'workspaces', name);
    try {
      rmSync(workspace, { recursive: true, force: true });
      mkdirSync(workspace, { recursive: true });
      writeFileSync(path.join(workspace, '.env'), `# NOVA backend settings (e2e fixture)\nREDIS_URL=${server.url(1)}\nCACHE_TTL=3600\n`);
      const fixture = new NovaFixture(server, workspace);
      await fixture.seed();
      return fixture;
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  /** `host:port` as the extension shows it in messages. */
  get address(): string {
    return `${this.server.host}:${this.server.port}`;
  }

  /** Runs `work` on a fresh admin client of `db` and closes it, so that a killed server leaves nothing behind. */
  async withAdmin<T>(db: number, work: (client: Redis) => Promise<T>): Promise<T> {
    const client = this.server.admin(db);
    try {
      return await work(client);
    } finally {
      client.disconnect();
    }
  }

  /** Writes the whole data set (again, after a restart: the test server keeps nothing on disk). */
  async seed(): Promise<void> {
    await this.withAdmin(1, async (client) => {
      await seedNovaData(client, { keys: GENERATED_KEYS, seed: 20240601 });
      const pipe = client.pipeline();
      USER_IDS.forEach((id, i) => {
        const user = { id, name: ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov'][i], locale: i % 2 ? 'en' : 'fr', active: true };
        pipe.set(`nova:cache:user:${id}`, JSON.stringify(user), 'EX', 3600);
      });
      pipe.set(this.sessionKey, JSON.stringify({ user_id: USER_IDS[0], csrf: '9c1f3a7e2b6d4c80', created_at: '2024-06-01T08:30:00Z' }), 'EX', 3600);
      pipe.hmset(this.hashKey, { id: String(USER_IDS[0]), email: 'ada@example.com', locale: 'fr', plan: 'pro' });
      pipe.rpush(this.listKey, JSON.stringify({ to: 'ada@example.com', template: 'welcome' }), JSON.stringify({ to: 'grace@example.com', template: 'reset' }));
      for (const key of this.pickleKeys) {
        pipe.set(key, Buffer.from(PICKLED_REPORT, 'hex'), 'EX', 3600);
      }
      checked(await pipe.exec());
    });
    await this.withAdmin(0, async (client) => {
      const pipe = client.pipeline();
      for (const key of this.markerKeys) {
        pipe.set(key, 'must survive any operation on DB 1');
      }
      checked(await pipe.exec());
    });
  }

  /** `redis_version` from `INFO server`, as the server reports it. */
  async serverVersion(): Promise<string> {
    const info = await this.withAdmin(0, (client) => client.info('server'));
    const version = /^redis_version:(\S+)/m.exec(info)?.[1];
    if (!version) {
      throw new Error('INFO server has no redis_version');
    }
    return version;
  }

  async dbSize(db = 1): Promise<number> {
    return this.withAdmin(db, (client) => client.dbsize());
  }

  async pttl(key: string, db = 1): Promise<number> {
    return this.withAdmin(db, (client) => client.pttl(key));
  }

  /** Every key matching the glob, with SCAN (never KEYS). */
  async scanKeys(match: string, db = 1): Promise<string[]> {
    return this.withAdmin(db, async (client) => {
      const found = new Set<string>();
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        keys.forEach((k) => found.add(k));
        cursor = next;
      } while (cursor !== '0');
      return [...found].sort();
    });
  }

  /** The string value of `key` as the server holds it (null when the key does not exist). */
  async get(key: string, db = 1): Promise<string | null> {
    return this.withAdmin(db, (client) => client.get(key));
  }

  /**
   * Kills the server the hard way, as a crash or a stopped Windows service would, after an RDB snapshot,
   * so that the restarted server holds the data set from its first reply on, as a server with persistence
   * does. Without it the extension can reconnect between the restart and the reseed, and scan an empty
   * database (whose Keys view then stays empty until a refresh).
   */
  async kill(): Promise<void> {
    await this.withAdmin(0, (client) => client.save());
    await this.server.kill();
  }

  /** Starts the server again on the same port and writes the data set again. */
  async restart(): Promise<void> {
    await this.server.restart();
    await this.seed();
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}

/** A pipeline reports each command's error in its results instead of rejecting. */
function checked(results: [Error | null, unknown][] | null): void {
  const failed = (results ?? []).find(([err]) => err);
  if (failed?.[0]) {
    throw failed[0];
  }
}

/**
 * Starts a fixture in a `before` hook of the enclosing describe (register it before `useVSCode`, whose
 * options need the workspace) and stops it in `after`.
 */
export function useNovaFixture(name: string): () => NovaFixture {
  let fixture: NovaFixture | undefined;
  before(async () => {
    fixture = await NovaFixture.start(name);
  });
  after(async () => {
    await fixture?.stop();
  });
  return () => {
    if (!fixture) {
      throw new Error('the NOVA fixture did not start (see the before hook)');
    }
    return fixture;
  };
}
