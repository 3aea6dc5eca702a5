/**
 * Proves the e2e harness on a throwaway extension (test/e2e/fixtures/smoke-extension), in English and in
 * French: every helper a NOVA scenario relies on is used once against what the extension shows.
 *
 * The extension is packed from the fixture unless NOVA_E2E_SMOKE_VSIX names a ready .vsix of it.
 * NOVA_E2E_VSIX is left for the NOVA extension itself, which the real scenarios use.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packExtension, resultsDir, useVSCode } from './lib/vscode';

let smokeVsix: Promise<string> | undefined;

function smokeExtension(): Promise<string> {
  const ready = process.env.NOVA_E2E_SMOKE_VSIX;
  smokeVsix ??= ready
    ? Promise.resolve(path.resolve(ready))
    : packExtension(path.join(__dirname, 'fixtures', 'smoke-extension'), path.join(resultsDir, 'nova-e2e-smoke.vsix'));
  return smokeVsix;
}

const languages = [
  {
    locale: 'en',
    hello: 'NOVA Smoke: Say Hello',
    helloMessage: 'Hello from NOVA smoke (language en)',
    ask: 'NOVA Smoke: Ask',
    prompt: 'Name of the key?',
    question: 'Delete user:1?',
    key: 'user:1',
    button: 'Delete',
    outcome: 'user:1 deleted',
    open: 'NOVA Smoke: Open Document',
    view: 'Smoke Keys',
    inspect: 'Inspect Key',
    inspecting: 'Inspecting session:abc',
    panel: 'NOVA Smoke: Show Panel',
    panelTitle: 'Value of user:1',
  },
  {
    locale: 'fr',
    hello: 'NOVA Smoke : Dire bonjour',
    helloMessage: 'Bonjour de NOVA smoke (langue fr)',
    ask: 'NOVA Smoke : Demander',
    prompt: 'Nom de la clé ?',
    question: 'Supprimer user:2 ?',
    key: 'user:2',
    button: 'Garder',
    outcome: 'user:2 gardée',
    open: 'NOVA Smoke : Ouvrir un document',
    view: 'Clés de test',
    inspect: 'Inspecter la clé',
    inspecting: 'Inspection de session:abc',
    panel: 'NOVA Smoke : Afficher le panneau',
    panelTitle: 'Valeur de user:1',
  },
];

for (const l of languages) {
  describe(`e2e harness smoke (${l.locale})`, () => {
    const vscode = useVSCode(async () => ({ name: `smoke-${l.locale}`, vsix: [await smokeExtension()], locale: l.locale }));

    test('a command run from the palette shows its notification in the display language', async () => {
      const { workbench } = vscode();
      await workbench.runCommand(l.hello);
      assert.equal(await workbench.waitForNotification(l.helloMessage), l.helloMessage);
      await workbench.screenshot(`smoke-${l.locale}-hello`);
    });

    test('the status bar item shows the language the extension sees', async () => {
      assert.equal(await vscode().workbench.statusBarText('novaSmoke.status'), `Smoke ${l.locale}`);
    });

    test('an input box and a modal dialog are answered', async () => {
      const { workbench } = vscode();
      await workbench.runCommand(l.ask);
      assert.equal(await workbench.answerInputBox(l.key), l.prompt);
      assert.equal(await workbench.answerDialog(l.button), l.question);
      assert.equal(await workbench.waitForNotification(l.outcome), l.outcome);
    });

    test('the tree view of the activity bar container lists its items', async () => {
      const { workbench } = vscode();
      await workbench.openActivityBarItem('NOVA Smoke');
      assert.deepEqual(await workbench.treeItemLabels(l.view), ['user:1', 'user:2', 'session:abc']);
      await workbench.treeItem('session:abc', l.view).click();
      assert.equal(await workbench.treeItem('session:abc', l.view).getAttribute('aria-selected'), 'true');
      await workbench.screenshot(`smoke-${l.locale}-tree`);
    });

    test('a tree item context menu runs its command', async () => {
      const { workbench } = vscode();
      await workbench.openActivityBarItem('NOVA Smoke');
      await workbench.treeItem('session:abc', l.view).click({ button: 'right' });
      assert.deepEqual(await workbench.contextMenuLabels(), [l.inspect]);
      await workbench.clickContextMenuItem(l.inspect);
      assert.equal(await workbench.waitForNotification(l.inspecting), l.inspecting);
    });

    test('a webview panel shows its content', async () => {
      const { workbench } = vscode();
      await workbench.runCommand(l.panel);
      assert.equal(await workbench.webview().locator('#title').textContent(), l.panelTitle);
      assert.equal(await workbench.webview().locator('#value').textContent(), '{"ttl": 60}');
      await workbench.screenshot(`smoke-${l.locale}-webview`);
    });

    test('the active editor text is read back', async () => {
      const { workbench } = vscode();
      await workbench.runCommand(l.open);
      assert.equal(await workbench.activeEditorText(), '{\n  "key": "user:1",\n  "ttl": 60\n}\n');
      assert.equal(await workbench.activeEditorTitle(), 'Untitled-1');
      await workbench.screenshot(`smoke-${l.locale}-editor`);
    });
  });
}
