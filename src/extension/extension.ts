import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('laminSync.showVersion', () => {
      const version = String(context.extension.packageJSON.version ?? '');
      void vscode.window.showInformationMessage(`LaminDB Sync ${version}`);
    }),
  );
}

export function deactivate(): void {}
