import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { changeKind, enabledValue, readNotifyConfig } from '../../src/redis/keyspaceEvents';
import { KeyspaceActivity } from '../../src/redis/keyspaceActivity';
import { maskCommand, parseSlowlog } from '../../src/redis/slowlog';
import { classifyClient, parseClientList } from '../../src/redis/clients';
import { StatsHistory, sampleOf, sparkline } from '../../src/redis/serverStats';

const b = (...args: string[]): Buffer[] => args.map((a) => Buffer.from(a));

describe('slowlog masking', () => {
  test('credentials become ***, values their size; names, keys and options stay', () => {
    assert.deepEqual(maskCommand(b('AUTH', 'secret')), ['AUTH', '***']);
    assert.deepEqual(maskCommand(b('auth', 'user', 'secret')), ['auth', '***', '***']);
    assert.deepEqual(maskCommand(b('HELLO', '3', 'AUTH', 'u', 'p', 'SETNAME', 'x')), ['HELLO', '3', 'AUTH', '***', '***', 'SETNAME', 'x']);
    assert.deepEqual(maskCommand(b('CONFIG', 'SET', 'requirepass', 'p')), ['CONFIG', 'SET', 'requirepass', '***']);
    assert.deepEqual(maskCommand(b('MIGRATE', 'h', '1', 'k', '0', '5', 'AUTH', 'p')), ['MIGRATE', 'h', '1', 'k', '0', '5', 'AUTH', '***']);
    assert.deepEqual(maskCommand(b('SET', 'k', 'value', 'EX', '60')), ['SET', 'k', '‹5 bytes›', 'EX', '60']);
    assert.deepEqual(maskCommand(b('MSET', 'a', '1', 'b', '22')), ['MSET', 'a', '‹1 bytes›', 'b', '‹2 bytes›']);
    assert.deepEqual(maskCommand(b('ZADD', 'z', 'NX', '1', 'm')), ['ZADD', 'z', 'NX', '1', '‹1 bytes›']);
    assert.deepEqual(maskCommand(b('EVAL', 'return 1', '1', 'k', 'argv')), ['EVAL', 'return 1', '1', 'k', '‹4 bytes›']);
    assert.deepEqual(maskCommand(b('GET', 'k')), ['GET', 'k']);
  });

  test('the server’s own cut markers: a cut value counts its missing bytes, the argument count stays', () => {
    const cut = `${'x'.repeat(128)}... (872 more bytes)`;
    assert.deepEqual(maskCommand(b('SET', 'k', cut)), ['SET', 'k', '‹1000 bytes›']);
    assert.deepEqual(maskCommand(b('RPUSH', 'l', 'a', '... (40 more arguments)')), ['RPUSH', 'l', '‹1 bytes›', '... (40 more arguments)']);
  });

  test('entries before 4.0 have no client; later ones name it', () => {
    const old = parseSlowlog([[1, 1700000000, 15, b('GET', 'k')]]);
    assert.deepEqual(old, [{ id: 1, time: 1700000000000, durationUs: 15, args: ['GET', 'k'] }]);
    const recent = parseSlowlog([[2, 1700000000, 15, b('GET', 'k'), Buffer.from('127.0.0.1:5000'), Buffer.from('')]]);
    assert.equal(recent[0]?.client, '127.0.0.1:5000');
    assert.equal(recent[0]?.clientName, undefined);
  });
});

describe('client list', () => {
  test('fields, kinds and order', () => {
    const text = [
      'id=3 addr=127.0.0.1:1 fd=8 name= age=9 idle=0 flags=N db=0 cmd=client',
      'id=4 addr=127.0.0.1:2 fd=9 name=nova-backend age=9 idle=4 flags=N db=1 cmd=get',
      'id=5 addr=127.0.0.1:3 fd=10 name=nova-redis-42-1 age=9 idle=2 flags=N db=1 cmd=eval',
      'id=6 addr=127.0.0.1:4 fd=11 name=nova-redis-42-1-events age=9 idle=2 flags=P db=1 cmd=psubscribe',
      'id=7 addr=127.0.0.1:5 fd=12 name=nova-redis-7-3 age=9 idle=2 flags=N db=1 cmd=ping',
      '',
    ].join('\n');
    const clients = parseClientList(text, { clientName: 'nova-redis-42-1', pid: 42 });
    assert.deepEqual(
      clients.map((c) => [c.kind, c.addr]),
      [
        ['self', '127.0.0.1:3'],
        ['extension', '127.0.0.1:4'],
        ['backend', '127.0.0.1:2'],
        ['otherExtension', '127.0.0.1:5'],
        ['other', '127.0.0.1:1'],
      ],
    );
    assert.equal(clients[0]?.db, 1);
    assert.equal(clients[0]?.idleSeconds, 2);
    assert.equal(clients[0]?.cmd, 'eval');
    assert.equal(classifyClient('', 'redis-py', { clientName: 'x' }), 'backend', 'redis-py announces itself on 7.2+');
  });
});

describe('keyspace notifications', () => {
  test('configuration: which channel, whether enough, and what to set', () => {
    assert.deepEqual(readNotifyConfig(''), { value: '', channel: undefined, sufficient: false });
    assert.equal(readNotifyConfig('KEA').sufficient, true);
    assert.equal(readNotifyConfig('Kg$lshzxe').channel, 'keyspace');
    assert.equal(readNotifyConfig('Kg$lshzxe').sufficient, true);
    assert.equal(readNotifyConfig('El').sufficient, false);
    assert.equal(enabledValue(''), 'EA');
    assert.equal(enabledValue('Kl'), 'EAK');
    assert.equal(enabledValue('KEAm'), 'EAKm');
    assert.equal(readNotifyConfig(enabledValue('Kx')).sufficient, true);
  });

  test('events: deletes, expirations, TTL changes, writes', () => {
    assert.equal(changeKind('del'), 'deleted');
    assert.equal(changeKind('rename_from'), 'deleted');
    assert.equal(changeKind('expired'), 'expired');
    assert.equal(changeKind('evicted'), 'evicted');
    assert.equal(changeKind('expire'), 'ttl');
    assert.equal(changeKind('lpush'), 'written');
    assert.equal(changeKind('rename_to'), 'written');
    assert.equal(changeKind('keymiss'), undefined);
  });

  test('activity per namespace over a sliding minute', () => {
    let now = 1_000_000;
    const a = new KeyspaceActivity({ delimiter: ':', depth: 2, now: () => now });
    a.record([
      { key: Buffer.from('nova:cache:user:1'), kind: 'written', event: 'set' },
      { key: Buffer.from('nova:cache:user:2'), kind: 'expired', event: 'expired' },
      { key: Buffer.from('nova:session:x'), kind: 'deleted', event: 'del' },
      { key: Buffer.from('plain'), kind: 'written', event: 'set' },
    ]);
    assert.deepEqual(a.of('nova'), { namespace: 'nova', writes: 1, deletes: 1, expirations: 1 });
    assert.deepEqual(a.of('nova:cache'), { namespace: 'nova:cache', writes: 1, deletes: 0, expirations: 1 });
    assert.equal(a.of('nova:cache:user').writes, 0, 'deeper than the depth: not followed');
    assert.equal(a.of('').writes, 2);
    now += 30_000;
    a.record([{ key: Buffer.from('nova:cache:user:3'), kind: 'written', event: 'set' }]);
    assert.equal(a.of('nova').writes, 2);
    now += 45_000;
    assert.equal(a.of('nova').writes, 1, 'the first write left the window');
    assert.deepEqual(
      a.perMinute().map((x) => x.namespace),
      ['', 'nova', 'nova:cache'],
    );
  });
});

describe('live server statistics', () => {
  const info = (hits: number, misses: number, evicted: number, run = 'r1'): Map<string, string> =>
    new Map([
      ['instantaneous_ops_per_sec', '10'],
      ['used_memory', '1000'],
      ['keyspace_hits', String(hits)],
      ['keyspace_misses', String(misses)],
      ['connected_clients', '3'],
      ['evicted_keys', String(evicted)],
      ['run_id', run],
    ]);

  test('hit ratio and evictions between samples; a restart starts over', () => {
    const h = new StatsHistory(10);
    h.push(sampleOf(info(100, 0, 0), 0));
    h.push(sampleOf(info(190, 10, 5), 3000));
    h.push(sampleOf(info(190, 10, 5), 6000));
    const s = h.series();
    assert.ok(Number.isNaN(s.hitRatio[0]));
    assert.equal(s.hitRatio[1], 0.9);
    assert.ok(Number.isNaN(s.hitRatio[2]), 'no lookups: no ratio');
    assert.deepEqual(s.evictions.slice(1), [5, 0]);
    h.push(sampleOf(info(1, 1, 0, 'r2'), 9000));
    assert.equal(h.length, 1);
  });

  test('sparklines scale to their range and leave gaps', () => {
    assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline([0.5, Number.NaN, 1], 40, [0, 1]), '▅ █');
    assert.equal(sparkline([2, 2]), '██');
    assert.equal(sparkline([]), '');
  });
});
