import * as vscode from 'vscode';

export const SCHEME = 'lamin-sync';

/** Read-only text documents (plans, descriptions) under the `lamin-sync:` scheme. */
export class ReadOnlyDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  /** Shows `text` as a read-only document named `name` (a path like `plan/a-to-b.txt`). */
  async show(name: string, text: string, options: { preview?: boolean; beside?: boolean; language?: string } = {}): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${name}` });
    this.contents.set(uri.toString(), text);
    this.changed.fire(uri);
    let doc = await vscode.workspace.openTextDocument(uri);
    if (options.language) doc = await vscode.languages.setTextDocumentLanguage(doc, options.language);
    return vscode.window.showTextDocument(doc, {
      preview: options.preview ?? true,
      ...(options.beside ? { viewColumn: vscode.ViewColumn.Beside } : {}),
    });
  }

  dispose(): void {
    this.changed.dispose();
  }
}
