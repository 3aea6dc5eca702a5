/**
 * What the Keys view's model shows at a glance, against a real redis-server: the sandbox's first screen
 * holds every key its README names, and a filter search over a large DB runs to the end by itself with
 * no "Load more…" left behind (and one that is stopped offers it again).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExplorerModel, type ExplorerNode, type FolderNode } from '../../src/redis/explorerModel';
import { displayName } from '../../src/redis/keyName';
import { literalPattern } from '../../src/redis/glob';
import { isNovaError } from '../../src/redis/errors';
import { BINARY_KEY, seedSample } from '../../scripts/start/sample';
import { seedNovaData } from '../support/seed';
import { EngineServer, setKeys } from './scanEngine.helpers';

const fx = new EngineServer();

async function child(model: ExplorerModel, nodes: ExplorerNode[], label: string): Promise<ExplorerNode[]> {
  const folder = nodes.find((n): n is FolderNode => n.kind === 'folder' && n.label === label);
  assert.ok(folder, `folder ${label} among ${nodes.map((n) => n.kind).join(',')}`);
  return model.children(folder);
}

const names = (nodes: ExplorerNode[]): string[] => nodes.flatMap((n) => (n.kind === 'key' ? [n.name] : []));

describe('Keys view state', () => {
  test('the sandbox: its first screen shows the keys the sample README names, without Load more, and the binary key as the README writes it', async () => {
    await fx.freshDb(1);
    await fx.admin.select(0);
    await fx.admin.flushdb();
    await seedSample(fx.server.port);
    const c = fx.client(1);
    const model = new ExplorerModel(c, fx.caps);
    try {
      const root = await model.children();
      assert.ok(model.status.complete, `the sandbox DB (${await c.dbsize()} keys) is scanned whole when the view opens`);
      assert.ok(!root.some((n) => n.kind === 'more'), 'no Load more at the root');
      assert.ok(names(root).includes('ma_cle') && names(root).includes('test'), `ma_cle and test at the root: ${names(root).join(', ')}`);
      const user = await child(model, await child(model, await child(model, root, 'nova'), 'cache'), 'user');
      assert.ok(names(user).includes('nova:cache:user:42'), 'nova › cache › user › nova:cache:user:42');
      // The sample README names it `nova:bin:\xff\x00\n`: redis-cli's escapes, which the tree shows too.
      assert.equal(displayName(BINARY_KEY), String.raw`nova:bin:\xff\x00\n`);
    } finally {
      model.dispose();
    }
  });

  test('a filter search on a large DB runs to the end by itself: progress, the matches, and no Load more at any level', async () => {
    const c = await fx.freshDb(2);
    await seedNovaData(c, { keys: 20_000 });
    await setKeys(c, ['needle:a:1', 'needle:a:2', 'needle:b']);
    const model = new ExplorerModel(c, fx.caps, { match: literalPattern('needle', 'contains'), scanCount: 50, smallDbKeys: 100, firstScreenBudgetMs: 20 });
    try {
      const first = await model.children();
      assert.equal(model.status.complete, false, 'the first screen does not cover 20,003 keys');
      assert.equal(first.at(-1)?.kind, 'more', 'before the search, the level offers to load more');
      const fractions: number[] = [];
      const search = model.scanAll({ onProgress: (p) => fractions.push(p.fraction ?? 0) });
      // While it runs, the levels list what is found so far without a "more" node: the search finds the rest.
      const during = await model.children();
      assert.ok(!during.some((n) => n.kind === 'more'), 'no Load more while the search runs');
      assert.equal(model.status.scanning, true);
      await search;
      assert.ok(fractions.length > 1 && fractions.some((f) => f > 0 && f < 1), `progress went up: ${fractions.slice(0, 5).join(', ')}…`);
      assert.equal(model.status.complete, true);
      assert.equal(model.status.keys, 3);
      const root = await model.children();
      assert.ok(!root.some((n) => n.kind === 'more'));
      const needle = await child(model, root, 'needle');
      assert.deepEqual(names(needle).sort(), ['needle:b']);
      const a = await child(model, needle, 'a');
      assert.deepEqual(names(a).sort(), ['needle:a:1', 'needle:a:2']);
      assert.ok(!a.some((n) => n.kind === 'more'));
    } finally {
      model.dispose();
    }
  });

  test('a stopped filter search keeps what it found and offers Load more again; continuing it covers the rest', async () => {
    const c = await fx.freshDb(3);
    await seedNovaData(c, { keys: 20_000 });
    await setKeys(c, ['needle:1']);
    const model = new ExplorerModel(c, fx.caps, { match: 'needle*', scanCount: 50, smallDbKeys: 100, firstScreenBudgetMs: 20 });
    try {
      await model.children();
      const abort = new AbortController();
      const search = model.scanAll({ signal: abort.signal, onProgress: () => abort.abort() });
      await assert.rejects(search, (err: unknown) => isNovaError(err, 'CANCELLED'));
      assert.equal(model.status.scanning, false);
      assert.equal(model.status.complete, false, 'stopped after one page of 20,001 keys');
      assert.equal((await model.children()).at(-1)?.kind, 'more', 'a stopped search leaves Load more');
      await model.scanAll();
      assert.equal(model.status.complete, true);
      assert.equal(model.status.keys, 1);
    } finally {
      model.dispose();
    }
  });
});
