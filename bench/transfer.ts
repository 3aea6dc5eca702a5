/**
 * Export benchmark (part of `npm run bench`, or alone: `npx tsx bench/transfer.ts`).
 *
 * - export_ms: Export Keys as NDJSON of 100,000 keys shaped like NOVA's cache (SCAN, the metadata
 *   round trip, the pipelined reads, base64 and the decoded column, written to a file).
 * - dump_ms: the control, the same keys listed by `redis-cli --scan` and read with DUMP (pipelined,
 *   in batches of the same size), each payload written to a file as base64.
 * - export_vs_dump_ratio: the first over the second. Target: <= 1.5.
 *
 * Medians of alternating runs, on a redis-server started by the harness.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { serverInfoFromInfo, type Capabilities } from '../src/redis/capabilities';
import { EXPORT_BATCH, readInBatches, readRecords, recordLine } from '../src/redis/transfer';
import { RedisServer } from '../test/support/redisServer';
import { seedNovaData } from '../test/support/seed';
import { log, median, round, timed } from './measure';

export const EXPORT_KEYS = 100_000;
export const EXPORT_TARGET = 1.5;
const RUNS = 5;

function write(stream: WriteStream, text: string): Promise<void> {
  return stream.write(text) ? Promise.resolve() : new Promise((resolve) => stream.once('drain', resolve));
}

function end(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}

async function exportRun(client: Redis, caps: Capabilities, file: string): Promise<number> {
  const out = createWriteStream(file);
  let written = 0;
  let cursor = '0';
  do {
    const [next, keys] = (await client.callBuffer('SCAN', cursor, 'COUNT', '1000')) as [Buffer, Buffer[]];
    cursor = next.toString();
    // As Export Keys does: the next batch is read while this one is encoded, one write per batch.
    await readInBatches(
      keys,
      (batch) => readRecords(client, caps, batch),
      async ({ records }) => {
        await write(out, records.map((r) => `${recordLine(r)}\n`).join(''));
        written += records.length;
      },
    );
  } while (cursor !== '0');
  await end(out);
  return written;
}

function redisCliScan(server: RedisServer): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['-h', server.host, '-p', String(server.port), '-n', '1', '--scan'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`redis-cli --scan exited ${code}`));
        return;
      }
      // The seeded names hold no newline, so its line-per-key output is exact here.
      resolve(Buffer.concat(chunks).toString('latin1').split('\n').filter(Boolean).map((k) => Buffer.from(k, 'latin1')));
    });
  });
}

async function dumpRun(server: RedisServer, client: Redis, file: string): Promise<number> {
  const keys = await redisCliScan(server);
  const out = createWriteStream(file);
  for (let i = 0; i < keys.length; i += EXPORT_BATCH) {
    const pipe = client.pipeline();
    for (const k of keys.slice(i, i + EXPORT_BATCH)) {
      pipe.dumpBuffer(k);
    }
    // One write per batch, as the export does.
    const payloads = ((await pipe.exec()) ?? []).filter(([, payload]) => payload).map(([, payload]) => `${(payload as Buffer).toString('base64')}\n`);
    await write(out, payloads.join(''));
  }
  await end(out);
  return keys.length;
}

export async function runTransferBench(keys = EXPORT_KEYS): Promise<Record<string, number>> {
  const server = await RedisServer.start();
  const client = server.admin(1);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nova-bench-export-'));
  try {
    const caps = serverInfoFromInfo(await client.info('server')).caps;
    log(`export: seeding ${keys.toLocaleString('en-US')} keys`);
    await seedNovaData(client, { keys, prefix: 'nova' });
    const ours: number[] = [];
    const control: number[] = [];
    let exported = 0;
    let dumped = 0;
    await exportRun(client, caps, path.join(dir, 'warm.ndjson'));
    await dumpRun(server, client, path.join(dir, 'warm.dump'));
    for (let i = 0; i < RUNS; i++) {
      ours.push(await timed(async () => (exported = await exportRun(client, caps, path.join(dir, `run${i}.ndjson`)))));
      control.push(await timed(async () => (dumped = await dumpRun(server, client, path.join(dir, `run${i}.dump`)))));
    }
    if (exported !== dumped) {
      throw new Error(`the export wrote ${exported} keys, the control ${dumped}`);
    }
    const exportMs = median(ours);
    const dumpMs = median(control);
    log(`export: ${round(exportMs)} ms, redis-cli --scan + DUMP: ${round(dumpMs)} ms`);
    return { export_keys: exported, export_ms: round(exportMs), dump_ms: round(dumpMs), export_vs_dump_ratio: round(exportMs / dumpMs, 2) };
  } finally {
    client.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function transferRows(r: Record<string, unknown>, ok: boolean | undefined): [string, unknown, string][] {
  if (r.export_ms === undefined) {
    return [];
  }
  return [
    [`export_ms (${Number(r.export_keys).toLocaleString('en-US')} keys to NDJSON)`, r.export_ms, ''],
    ['dump_ms (redis-cli --scan + DUMP)', r.dump_ms, ''],
    ['export_vs_dump_ratio', r.export_vs_dump_ratio, `<= ${EXPORT_TARGET}  ${ok ? 'ok' : 'MISSED'}`],
  ];
}

if (require.main === module) {
  runTransferBench()
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`export benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
