/** Bundles the Mocha suite into one CommonJS file the extension host can load. */
import path from 'node:path';
import { build } from 'esbuild';

export async function buildSuite(root: string): Promise<string> {
  const outfile = path.join(root, 'out', 'integration', 'index.js');
  await build({
    entryPoints: [path.join(root, 'test', 'integration', 'suite', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    outfile,
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return outfile;
}
