/** Child side of watchdog.ts: imports the probe module, calls the export, prints its result as JSON. */
import { pathToFileURL } from 'node:url';

async function main(): Promise<void> {
  const [probe, fn] = process.argv.slice(2);
  const mod = (await import(pathToFileURL(probe).href)) as Record<string, unknown>;
  const f = mod[fn];
  if (typeof f !== 'function') {
    throw new Error(`${probe} has no export ${fn}`);
  }
  const value: unknown = await (f as () => unknown)();
  process.stdout.write(JSON.stringify(value ?? null));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
