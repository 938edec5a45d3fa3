import * as vscode from 'vscode';
import { listRecords, registriesWithCounts } from '../core/query/records';
import { pageSize, showEmptyRegistries, workspaceInstancesRestricted } from './config';
import type { InstanceManager } from './instances';
import {
  InstanceNode,
  LoadMoreNode,
  MessageNode,
  RecordNode,
  RegistryNode,
  humanSize,
  registryDisplayName,
  registryIcon,
  type LaminNode,
  type RecordSummary,
} from './nodes';
import { errorMessage } from './output';

interface RecordList {
  nodes: RecordNode[];
  total: number;
  /** Records revealed from outside the loaded page (Find object, a finished sync). */
  pinned: RecordNode[];
  filter: string;
}

function text(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

export function summarize(record: Record<string, unknown>): RecordSummary {
  const size = record.size === null || record.size === undefined ? null : Number(record.size);
  return {
    uid: String(record.uid),
    key: text(record.key),
    name: text(record.name),
    description: text(record.description),
    size: Number.isFinite(size) ? size : null,
    createdAt: text(record.created_at),
    version: text(record.version_tag ?? record.version),
    suffix: text(record.suffix),
  };
}

/**
 * The LaminDB view: instances → registries (with counts) → records (newest first, paged,
 * filtered by the view's filter). Everything is read through the core over read-only handles.
 */
export class LaminTreeProvider implements vscode.TreeDataProvider<LaminNode> {
  private readonly changed = new vscode.EventEmitter<LaminNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private registries = new Map<string, RegistryNode[]>();
  private records = new Map<string, RecordList>();
  private instanceNodes = new Map<string, InstanceNode>();
  private filterText = '';

  constructor(
    private readonly instances: InstanceManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    // New instances, labels learnt on open, a new default: redraw (what was read stays cached).
    instances.onDidChange(() => this.changed.fire(undefined));
  }

  get filter(): string {
    return this.filterText;
  }

  setFilter(filter: string): void {
    this.filterText = filter.trim();
    this.records.clear();
    this.changed.fire(undefined);
  }

  /** Forgets what was read (all, or one instance) and redraws. */
  refresh(instanceId?: string): void {
    if (instanceId) {
      this.registries.delete(instanceId);
      for (const k of [...this.records.keys()]) if (k.startsWith(`${instanceId}|`)) this.records.delete(k);
      const node = this.instanceNodes.get(instanceId);
      this.changed.fire(node);
      return;
    }
    this.registries.clear();
    this.records.clear();
    this.changed.fire(undefined);
  }

  instanceNode(id: string): InstanceNode | undefined {
    return this.instanceNodes.get(id);
  }

  getTreeItem(node: LaminNode): vscode.TreeItem {
    switch (node.kind) {
      case 'instance':
        return this.instanceItem(node);
      case 'registry': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.description = String(node.count);
        item.iconPath = registryIcon(node.name);
        item.contextValue = 'laminRegistry';
        item.tooltip = `${node.name}: ${node.count} record${node.count === 1 ? '' : 's'} (${node.table})`;
        return item;
      }
      case 'record':
        return this.recordItem(node);
      case 'loadMore': {
        const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = `${node.shown} of ${node.total}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.contextValue = 'laminLoadMore';
        item.command = { command: 'laminSync.loadMore', title: 'Load more…', arguments: [node] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        if (node.options.tooltip) item.tooltip = node.options.tooltip;
        if (node.options.icon) item.iconPath = node.options.icon;
        if (node.options.command) item.command = node.options.command;
        item.contextValue = node.options.contextValue ?? 'laminMessage';
        return item;
      }
    }
  }

  private instanceItem(node: InstanceNode): vscode.TreeItem {
    const e = node.entry;
    const isDefault = this.instances.defaultTargetId === e.id;
    const item = new vscode.TreeItem(e.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    item.description = isDefault ? `${e.dialect} · default target` : e.dialect;
    item.iconPath = new vscode.ThemeIcon(isDefault ? 'star-full' : 'database');
    item.contextValue = ['laminInstance', e.dialect, isDefault ? 'default' : 'other'].join(' ');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${e.label}** — ${e.dialect}${isDefault ? ' — default sync target' : ''}\n\n`);
    md.appendText(`Location: ${e.dialect === 'postgres' ? e.id.slice('postgres:'.length) : e.id.slice('sqlite:'.length)}\n`);
    md.appendText(`From: ${[...e.origins].map((o) => (o === 'lamin' ? 'LaminDB settings (~/.lamin)' : `${o} settings`)).join(', ')}`);
    item.tooltip = md;
    return item;
  }

  private recordItem(node: RecordNode): vscode.TreeItem {
    const s = node.summary;
    const label = s.key ?? s.name ?? s.description ?? s.uid;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = label === s.uid ? undefined : s.uid;
    item.iconPath = registryIcon(node.registry);
    item.contextValue = node.table === 'lamindb_artifact' ? 'laminRecord artifact' : 'laminRecord';
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${node.registry}** \`${s.uid}\`\n\n`);
    const rows: Array<[string, string | null | undefined]> = [
      ['key', s.key],
      ['name', s.name],
      ['description', s.description],
      ['size', s.size !== null && s.size !== undefined ? humanSize(s.size) : null],
      ['version', s.version],
      ['created_at', s.createdAt],
    ];
    for (const [k, v] of rows) if (v) md.appendText(`${k}: ${v}\n`);
    item.tooltip = md;
    return item;
  }

  async resolveTreeItem(item: vscode.TreeItem, node: LaminNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'instance') return item;
    try {
      const instance = await this.instances.getReadOnly(node.entry.id);
      const md = new vscode.MarkdownString();
      const isDefault = this.instances.defaultTargetId === node.entry.id;
      md.appendMarkdown(`**${instance.identity.slug}** — ${instance.dialect}${isDefault ? ' — default sync target' : ''}\n\n`);
      md.appendText(`instance uid: ${instance.identity.uid}\n`);
      md.appendText(`location: ${instance.location}\n`);
      if (instance.identity.storageRoot) md.appendText(`storage: ${instance.identity.storageRoot}\n`);
      md.appendText(`modules: ${[...instance.catalog.apps].filter((a) => a !== 'django' && a !== 'lamindb').join(', ') || '—'}`);
      item.tooltip = md;
    } catch (e) {
      item.tooltip = `Cannot open: ${errorMessage(e)}`;
    }
    return item;
  }

  getParent(node: LaminNode): LaminNode | undefined {
    switch (node.kind) {
      case 'instance':
        return undefined;
      case 'registry':
        return this.instanceNodes.get(node.instanceId);
      case 'record':
      case 'loadMore':
        return this.registries.get(node.instanceId)?.find((r) => r.table === node.table) ?? new RegistryNode(node.instanceId, node.table, node.table, 0);
      case 'message':
        return undefined;
    }
  }

  async getChildren(node?: LaminNode): Promise<LaminNode[]> {
    if (!node) return this.rootChildren();
    if (node.kind === 'instance') return this.registryChildren(node);
    if (node.kind === 'registry') return this.recordChildren(node);
    return [];
  }

  private rootChildren(): LaminNode[] {
    const nodes = new Map<string, InstanceNode>();
    for (const e of this.instances.list()) {
      const prev = this.instanceNodes.get(e.id);
      nodes.set(e.id, prev && prev.entry === e ? prev : new InstanceNode(e));
    }
    this.instanceNodes = nodes;
    const out: LaminNode[] = [...nodes.values()];
    // No rows at all → the welcome view shows; a hint only when trust kept instances closed.
    if (workspaceInstancesRestricted() && out.length > 0) {
      out.push(
        new MessageNode('root', 'Restricted Mode: instances in the workspace settings are not opened', {
          icon: new vscode.ThemeIcon('shield'),
          command: { command: 'workbench.trust.manage', title: 'Manage Workspace Trust' },
        }),
      );
    }
    return out;
  }

  private async registryChildren(node: InstanceNode): Promise<LaminNode[]> {
    const id = node.entry.id;
    let list = this.registries.get(id);
    if (!list) {
      try {
        const before = node.entry.label;
        const instance = await this.instances.getReadOnly(id);
        const summaries = await registriesWithCounts(instance);
        list = summaries.map((s) => new RegistryNode(id, s.table, registryDisplayName(s.app, s.registry), s.count));
        this.registries.set(id, list);
        if (node.entry.label !== before) setTimeout(() => this.changed.fire(node), 0);
      } catch (e) {
        const message = errorMessage(e);
        this.log.error(`Cannot open ${node.entry.label}: ${message}`);
        return [
          new MessageNode(id, `Cannot open: ${message}`, {
            tooltip: message,
            icon: new vscode.ThemeIcon('error'),
            ...(node.entry.dialect === 'postgres'
              ? { command: { command: 'laminSync.setPassword', title: 'Set password…', arguments: [node] } }
              : {}),
          }),
        ];
      }
    }
    const shown = showEmptyRegistries() ? list : list.filter((r) => r.count > 0);
    return shown.length > 0 ? shown : [new MessageNode(id, 'No records', { icon: new vscode.ThemeIcon('info') })];
  }

  private listKey(instanceId: string, table: string): string {
    return `${instanceId}|${table}`;
  }

  private async fetchPage(node: { instanceId: string; table: string }, registry: string, offset: number): Promise<{ nodes: RecordNode[]; total: number }> {
    const instance = await this.instances.getReadOnly(node.instanceId);
    const page = await listRecords(instance, node.table, {
      limit: pageSize(),
      offset,
      ...(this.filterText ? { filter: this.filterText } : {}),
    });
    return { nodes: page.records.map((r) => new RecordNode(node.instanceId, node.table, registry, summarize(r))), total: page.total };
  }

  private async recordChildren(node: RegistryNode): Promise<LaminNode[]> {
    const key = this.listKey(node.instanceId, node.table);
    let list = this.records.get(key);
    if (!list || list.filter !== this.filterText) {
      try {
        const page = await this.fetchPage(node, node.name, 0);
        list = { nodes: page.nodes, total: page.total, pinned: list?.pinned ?? [], filter: this.filterText };
        this.records.set(key, list);
      } catch (e) {
        return [new MessageNode(node.id, `Cannot list: ${errorMessage(e)}`, { icon: new vscode.ThemeIcon('error') })];
      }
    }
    const ids = new Set(list.nodes.map((n) => n.id));
    const out: LaminNode[] = [...list.pinned.filter((p) => !ids.has(p.id)), ...list.nodes];
    if (list.nodes.length < list.total) out.push(new LoadMoreNode(node.instanceId, node.table, list.nodes.length, list.total));
    if (out.length === 0 && this.filterText) {
      out.push(new MessageNode(node.id, `No records match “${this.filterText}”`, { icon: new vscode.ThemeIcon('filter') }));
    }
    return out;
  }

  async loadMore(node: LoadMoreNode): Promise<void> {
    const key = this.listKey(node.instanceId, node.table);
    const list = this.records.get(key);
    if (!list) return;
    const registry = this.registries.get(node.instanceId)?.find((r) => r.table === node.table);
    const page = await this.fetchPage(node, registry?.name ?? node.table, list.nodes.length);
    const seen = new Set(list.nodes.map((n) => n.id));
    list.nodes.push(...page.nodes.filter((n) => !seen.has(n.id)));
    list.total = page.total;
    this.changed.fire(registry);
  }

  /**
   * A record node the tree can reveal: in the loaded page, or pinned on top of its registry.
   * Loads the instance's registries first so the parent chain resolves.
   */
  async revealable(instanceId: string, table: string, record: Record<string, unknown>): Promise<RecordNode | undefined> {
    const inode = this.instanceNodes.get(instanceId);
    if (!inode) return undefined;
    await this.registryChildren(inode);
    const reg = this.registries.get(instanceId)?.find((r) => r.table === table);
    if (!reg) return undefined;
    await this.recordChildren(reg);
    const list = this.records.get(this.listKey(instanceId, table));
    if (!list) return undefined;
    const node = new RecordNode(instanceId, table, reg.name, summarize(record));
    const found = list.nodes.find((n) => n.id === node.id) ?? list.pinned.find((n) => n.id === node.id);
    if (found) return found;
    list.pinned.push(node);
    this.changed.fire(reg);
    return node;
  }
}
