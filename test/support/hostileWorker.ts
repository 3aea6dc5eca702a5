/**
 * Runs in a child Node process with a small heap (the test passes --max-old-space-size): decodes one
 * hostile value and prints what the user would see, as one JSON line. A crash or a hang shows in
 * the parent as a non-zero exit or a killed process.
 *
 *   hostileWorker.ts bytes <case name>
 *   hostileWorker.ts redis <host> <port> <db> <key>
 */
import Redis from 'ioredis';
import { Deadline, decodeDocument } from '../../src/redis/decoders';
import { serverInfoFromInfo } from '../../src/redis/capabilities';
import { ValueSession } from '../../src/redis/values';
import { HOSTILE_CASES } from './hostileCorpus';

let peakHeap = 0;
const sample = (): void => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
};
const sampler = setInterval(sample, 5);

async function main(): Promise<Record<string, unknown>> {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'bytes') {
    const found = HOSTILE_CASES.find((c) => c.name === args[0]);
    if (!found) {
      throw new Error(`no case ${args[0]}`);
    }
    const bytes = found.bytes();
    const started = process.hrtime.bigint();
    const doc = decodeDocument(bytes, { decoder: found.decoder, deadline: found.deadlineMs ? new Deadline(found.deadlineMs) : undefined });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { notes: doc.notes.map((n) => n.code), chain: doc.chain, bodyChars: doc.body.length, inputBytes: bytes.length, ms };
  }
  const [host, port, db, key] = args;
  const client = new Redis({ host, port: Number(port), db: Number(db), lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    const caps = serverInfoFromInfo(await client.info('server')).caps;
    const started = process.hrtime.bigint();
    const session = await ValueSession.open(client, caps, Buffer.from(key));
    const view = session.render();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { notes: view.header.notes.map((n) => n.code), loaded: view.header.loaded, size: view.header.size, canLoadMore: view.header.canLoadMore, bodyChars: view.body.length, decoders: view.header.decoders, ms };
  } finally {
    client.disconnect();
  }
}

main().then(
  (result) => {
    sample();
    clearInterval(sampler);
    // maxRSS (KiB) is the process's true high-water mark; the heap samples run between synchronous steps only.
    process.stdout.write(JSON.stringify({ ...result, peakHeapMB: Math.round(peakHeap / 1048576), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
  },
  (err: unknown) => {
    clearInterval(sampler);
    process.stderr.write(String(err instanceof Error ? err.stack : err) + '\n');
    process.exit(2);
  },
);
