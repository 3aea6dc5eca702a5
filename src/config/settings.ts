/** The one place that reads the extension's settings from VS Code; the table and clamps are in settingsSchema.ts. */
import * as vscode from 'vscode';
import { Settings } from '../constants';
import { resolveSettings, type NovaSettings } from './settingsSchema';

export function readSettings(scope?: vscode.Uri): NovaSettings {
  const c = vscode.workspace.getConfiguration(Settings.section, scope);
  return resolveSettings((key) => c.get(key));
}

/** Whether a configuration change touches the given settings group (`explorer`, `connection`...). */
export function affects(e: vscode.ConfigurationChangeEvent, group: string): boolean {
  return e.affectsConfiguration(`${Settings.section}.${group}`);
}
