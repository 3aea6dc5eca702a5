/** Entry point VS Code calls inside the extension host: runs the Mocha tests and reports failures. */
import Mocha from 'mocha';
import { registerTests } from './extension.test';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false });
  mocha.suite.emit('pre-require', globalThis, 'nova', mocha);
  registerTests();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      // The plain closing line CI reads, whatever runner reports it.
      const total = mocha.suite.total();
      console.log(`integration: ${total - failures} passed, ${failures} failed`);
      if (failures > 0) {
        reject(new Error(`${failures} integration test(s) failed`));
      } else {
        resolve();
      }
    });
  });
}
