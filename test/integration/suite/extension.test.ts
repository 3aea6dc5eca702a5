/** Runs inside a real VS Code extension host (test-electron, or code-server's extension host). */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { NovaApi } from '../../../src/api';
import type { KeysElement } from '../../../src/views/keysView';

const EXTENSION_ID = 'nova-team.nova-redis';

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value) {
      return value;
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void> | void) => void;
declare const before: (fn: () => Promise<void> | void) => void;

export function registerTests(): void {
  describe('NOVA Redis in a real VS Code', () => {
    let api: NovaApi;

    before(async () => {
      const ext = vscode.extensions.getExtension<NovaApi>(EXTENSION_ID);
      assert.ok(ext, 'the extension is installed');
      api = await ext.activate();
    });

    it('registers every command it contributes', async () => {
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      const contributed = ((ext?.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands).map((c) => c.command);
      const all = new Set(await vscode.commands.getCommands(true));
      for (const id of contributed) {
        assert.ok(all.has(id), `${id} is not registered`);
      }
    });

    it('connects to DB 1 of the server named in the workspace .env', async () => {
      const state = await waitFor('connected', () => {
        const s = api.connectionState();
        return s.kind === 'connected' ? s : undefined;
      });
      assert.equal(state.target.db, 1);
      assert.equal(state.target.port, Number(process.env.NOVA_IT_REDIS_PORT));
    });

    it('shows the keys of DB 1 grouped into folders', async () => {
      const tree = api.keysTree;
      const roots = (await tree.getChildren()) ?? [];
      const labels = async (nodes: readonly KeysElement[]) => Promise.all(nodes.map(async (n) => (await tree.getTreeItem(n)).label as string));
      const rootLabels = await labels(roots);
      const nova = roots[rootLabels.indexOf('nova')];
      assert.ok(nova, `root items: ${rootLabels.join(', ')}`);
      assert.ok((await labels((await tree.getChildren(nova)) ?? [])).includes('it'), 'nova › it');
    });

    it('opens a JSON value in a read-only document', async () => {
      const key = Buffer.from('nova:it:marker').toString('base64url');
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(`nova-redis-value:/nova:it:marker?db=1&key=${key}`));
      await vscode.window.showTextDocument(doc);
      const text = await waitFor('value text', () => (doc.getText().includes('status') ? doc.getText() : undefined));
      assert.match(text, /"status": "ok"/);
      assert.match(text, /^\/\/ nova:it:marker/);
    });

    it('pings and shows server info', async () => {
      await vscode.commands.executeCommand('nova.ping');
      await vscode.commands.executeCommand('nova.showServerInfo');
      const editor = await waitFor('server info editor', () => vscode.window.activeTextEditor);
      const text = editor.document.getText();
      assert.match(text, /Redis \d+\.\d+/);
      assert.match(text, /\| 1 ←/);
    });
  });
}
