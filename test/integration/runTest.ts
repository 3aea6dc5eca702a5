/**
 * `npm run test:vscode`: runs the integration suite inside a real VS Code downloaded by
 * @vscode/test-electron (needs the internet), against a real redis-server seeded for the suite.
 */
import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { runTests } from '@vscode/test-electron';
import { RedisServer } from '../support/redisServer';
import { buildSuite } from './buildSuite';

async function main(): Promise<void> {
  const root = path.resolve(import.meta.dirname, '../..');
  const suite = await buildSuite(root);
  const server = await RedisServer.start();
  const admin = server.admin(1);
  await admin.set('nova:it:marker', JSON.stringify({ status: 'ok' }), 'EX', 3600);
  admin.disconnect();
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'nova-vscode-ws-'));
  writeFileSync(path.join(workspace, '.env'), `REDIS_URL=${server.url(1)}\n`);
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: suite,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
      extensionTestsEnv: { NOVA_IT_REDIS_PORT: String(server.port) },
    });
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
