import * as vscode from 'vscode';
import { selectWhereIn } from '../core/instance/batch';
import { recordLabel, runTransforms } from '../core/query/labels';
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
}

/** Registries whose records have lineage (the only ones Show lineage works on). */
const LINEAGE_TABLES = new Set(['lamindb_artifact', 'lamindb_collection', 'lamindb_run', 'lamindb_transform']);

/** A key that is a path shows its file name, its folder as the description (as VS Code's explorer does). */
function splitKey(key: string): { name: string; folder: string | null } {
  const i = key.lastIndexOf('/', key.length - 2);
  return i <= 0 ? { name: key, folder: null } : { name: key.slice(i + 1), folder: key.slice(0, i) };
}

/** Markdown code span holding `s` as it is (no link, no emphasis). */
function code(s: string): string {
  const ticks = '`'.repeat(Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return `${ticks} ${s} ${ticks}`;
}

function text(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

export function summarize(record: Record<string, unknown>, table = '', transforms?: ReadonlyMap<number, Record<string, unknown>>): RecordSummary {
  const size = record.size === null || record.size === undefined ? null : Number(record.size);
  return {
    uid: String(record.uid),
    label: recordLabel(table, record, transforms),
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
  /** Filters by registry (`instanceId|table`); each registry keeps its unfiltered pages too. */
  private filters = new Map<string, string>();
  private readonly filtersChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeFilters = this.filtersChanged.event;

  constructor(
    private readonly instances: InstanceManager,
    readonly log: vscode.LogOutputChannel,
  ) {
    // New instances, labels learnt on open, a new default: redraw (what was read stays cached).
    instances.onDidChange(() => this.changed.fire(undefined));
  }

  filterOf(node: { instanceId: string; table: string }): string {
    return this.filters.get(this.listKey(node.instanceId, node.table)) ?? '';
  }

  /** The filtered registries (for the view's description). */
  filtered(): Array<{ registry: RegistryNode; filter: string }> {
    const out: Array<{ registry: RegistryNode; filter: string }> = [];
    for (const [key, filter] of this.filters) {
      const [instanceId, table] = key.split('|') as [string, string];
      const registry = this.registries.get(instanceId)?.find((r) => r.table === table);
      if (registry) out.push({ registry, filter });
    }
    return out;
  }

  /** How many records of a filtered registry match (undefined until counted). */
  matchCount(node: RegistryNode): number | undefined {
    const filter = this.filterOf(node);
    return filter ? this.records.get(this.listKey(node.instanceId, node.table, filter))?.total : undefined;
  }

  /** The registries listed so far (to pick one to filter). */
  loadedRegistries(): RegistryNode[] {
    return [...this.registries.values()].flat();
  }

  /**
   * Filters one registry (empty clears it): its first matching page is read at once so the row
   * shows the number of matches; the unfiltered pages stay loaded.
   */
  async setFilter(registry: RegistryNode, filter: string): Promise<void> {
    const key = this.listKey(registry.instanceId, registry.table);
    const text = filter.trim();
    if (text) this.filters.set(key, text);
    else this.filters.delete(key);
    const node = this.registries.get(registry.instanceId)?.find((r) => r.table === registry.table) ?? registry;
    await this.recordChildren(node).catch(() => undefined);
    this.changed.fire(node);
    this.filtersChanged.fire();
  }

  clearFilters(): void {
    const nodes = this.filtered().map((f) => f.registry);
    this.filters.clear();
    for (const n of nodes) this.changed.fire(n);
    this.filtersChanged.fire();
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
        const filter = this.filterOf(node);
        const matches = filter ? this.records.get(this.listKey(node.instanceId, node.table, filter))?.total : undefined;
        // Matches not counted yet (after a refresh): count them, then redraw the row.
        if (filter && matches === undefined) void this.recordChildren(node).then(() => this.changed.fire(node), () => undefined);
        const records = `${node.count} record${node.count === 1 ? '' : 's'}`;
        item.description = filter ? `${matches ?? '…'} of ${node.count} · “${filter}”` : String(node.count);
        item.iconPath = filter ? new vscode.ThemeIcon('filter-filled') : registryIcon(node.name);
        item.contextValue = ['laminRegistry', ...(this.isDefault(node.instanceId) ? ['ofDefault'] : []), ...(filter ? ['filtered'] : [])].join(' ');
        item.tooltip = filter
          ? `${node.name}: ${matches ?? '…'} of ${records} match “${filter}” (${node.table})`
          : `${node.name}: ${records} (${node.table})`;
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

  private isDefault(instanceId: string): boolean {
    return this.instances.defaultTargetId === instanceId;
  }

  private instanceItem(node: InstanceNode): vscode.TreeItem {
    const e = node.entry;
    const isDefault = this.isDefault(e.id);
    const item = new vscode.TreeItem(e.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    // Short, the important word first: the sidebar cuts descriptions (the tooltip says it all).
    item.description = isDefault ? `default · ${e.dialect}` : e.dialect;
    item.iconPath = new vscode.ThemeIcon(isDefault ? 'star-full' : 'database');
    item.contextValue = ['laminInstance', e.dialect, isDefault ? 'default' : 'other'].join(' ');
    // No tooltip here: VS Code asks resolveTreeItem only for items without one.
    return item;
  }

  private instanceTooltip(e: InstanceNode['entry'], details: string[]): vscode.MarkdownString {
    const isDefault = this.isDefault(e.id);
    const md = new vscode.MarkdownString();
    const location = e.dialect === 'postgres' ? e.id.slice('postgres:'.length) : e.id.slice('sqlite:'.length);
    md.appendText(e.label);
    md.appendMarkdown(` — ${e.dialect}${isDefault ? ' — **default sync target**' : ''}\n\n`);
    // Code spans: a Postgres location (user@host) must not render as a mail link.
    md.appendMarkdown(`location: ${code(location)}\n\n`);
    for (const d of details) md.appendMarkdown(`${d}\n\n`);
    md.appendText(`From: ${[...e.origins].map((o) => (o === 'lamin' ? 'LaminDB settings (~/.lamin)' : `${o} settings`)).join(', ')}`);
    return md;
  }

  private recordItem(node: RecordNode): vscode.TreeItem {
    const s = node.summary;
    const path = s.key && node.table === 'lamindb_artifact' ? splitKey(s.key) : null;
    const label = path ? path.name : (s.label ?? s.name ?? s.description ?? s.uid);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    const detail = path?.folder ?? (label === s.uid ? undefined : s.uid);
    // ✓: already in the default target (same uid).
    item.description = s.inDefault ? `✓${detail ? ` ${detail}` : ''}` : detail;
    item.iconPath = registryIcon(node.registry);
    const kind = node.table.startsWith('lamindb_') ? node.table.slice('lamindb_'.length) : node.table;
    item.contextValue = [
      'laminRecord',
      kind,
      ...(LINEAGE_TABLES.has(node.table) ? ['lineage'] : []),
      ...(this.isDefault(node.instanceId) ? ['ofDefault'] : []),
      ...(s.inDefault ? ['inDefault'] : []),
    ].join(' ');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${node.registry}** ${code(s.uid)}\n\n`);
    if (s.inDefault !== undefined) {
      const target = this.instances.get(this.instances.defaultTargetId ?? '')?.label ?? 'the default target';
      md.appendText(s.inDefault ? `✓ in ${target} (same uid): a sync maps it\n` : `not in ${target} yet\n`);
    }
    const rows: Array<[string, string | null | undefined]> = [
      ['key', s.key],
      ['name', s.name],
      ['', s.key || s.name || s.label === s.uid ? null : s.label],
      ['description', s.description],
      ['size', s.size !== null && s.size !== undefined ? humanSize(s.size) : null],
      ['version', s.version],
      ['created_at', s.createdAt],
    ];
    for (const [k, v] of rows) if (v) md.appendText(`${k ? `${k}: ` : ''}${v}\n`);
    item.tooltip = md;
    return item;
  }

  async resolveTreeItem(item: vscode.TreeItem, node: LaminNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'instance') return item;
    try {
      const instance = await this.instances.getReadOnly(node.entry.id);
      const modules = [...instance.catalog.apps].filter((a) => a !== 'django' && a !== 'lamindb').join(', ') || '—';
      item.tooltip = this.instanceTooltip(node.entry, [
        `instance uid: ${code(instance.identity.uid)}`,
        ...(instance.identity.storageRoot ? [`storage: ${code(instance.identity.storageRoot)}`] : []),
        `modules: ${modules}`,
      ]);
    } catch (e) {
      item.tooltip = this.instanceTooltip(node.entry, [`Cannot open: ${code(errorMessage(e))}`]);
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
        this.instances.reportOpenFailure(node.entry, e);
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

  /** `instanceId|table` (a registry), with `|filter` for the pages of a filter. */
  private listKey(instanceId: string, table: string, filter?: string): string {
    return filter === undefined ? `${instanceId}|${table}` : `${instanceId}|${table}|${filter}`;
  }

  private async fetchPage(node: { instanceId: string; table: string }, registry: string, offset: number): Promise<{ nodes: RecordNode[]; total: number }> {
    const instance = await this.instances.getReadOnly(node.instanceId);
    const filter = this.filterOf(node);
    const page = await listRecords(instance, node.table, { limit: pageSize(), offset, ...(filter ? { filter } : {}) });
    const transforms = node.table === 'lamindb_run' ? await runTransforms(instance, page.records) : undefined;
    const nodes = page.records.map((r) => new RecordNode(node.instanceId, node.table, registry, summarize(r, node.table, transforms)));
    await this.markInDefault(node.instanceId, node.table, nodes);
    return { nodes, total: page.total };
  }

  /**
   * Marks the records the default target holds too (same uid): one query into the target per
   * page. Silent when the target cannot be read (its row says why).
   */
  private async markInDefault(instanceId: string, table: string, nodes: RecordNode[]): Promise<void> {
    const targetId = this.instances.defaultTargetId;
    if (!targetId || targetId === instanceId || nodes.length === 0 || !this.instances.get(targetId)) return;
    try {
      const target = await this.instances.getReadOnly(targetId);
      if (!target.catalog.tables.get(table)?.columnByName.has('uid')) return;
      const held = new Set((await selectWhereIn(target, table, 'uid', nodes.map((n) => n.uid), ['uid'])).map((r) => String(r.uid)));
      for (const n of nodes) n.summary.inDefault = held.has(n.uid);
    } catch {
      // The target's own row tells why it cannot be opened.
    }
  }

  /** After a sync into the default target: the loaded records of other instances learn what it holds now. */
  async refreshSyncStatus(): Promise<void> {
    const targetId = this.instances.defaultTargetId;
    for (const [key, list] of this.records) {
      const [instanceId, table] = key.split('|') as [string, string];
      if (instanceId === targetId) continue;
      await this.markInDefault(instanceId, table, [...list.nodes, ...list.pinned]);
      const reg = this.registries.get(instanceId)?.find((r) => r.table === table);
      if (reg) this.changed.fire(reg);
    }
  }

  private async recordChildren(node: RegistryNode): Promise<LaminNode[]> {
    const filter = this.filterOf(node);
    const key = this.listKey(node.instanceId, node.table, filter);
    let list = this.records.get(key);
    if (!list) {
      try {
        const page = await this.fetchPage(node, node.name, 0);
        list = { nodes: page.nodes, total: page.total, pinned: [] };
        this.records.set(key, list);
      } catch (e) {
        return [new MessageNode(node.id, `Cannot list: ${errorMessage(e)}`, { icon: new vscode.ThemeIcon('error') })];
      }
    }
    const ids = new Set(list.nodes.map((n) => n.id));
    const out: LaminNode[] = [...list.pinned.filter((p) => !ids.has(p.id)), ...list.nodes];
    if (list.nodes.length < list.total) out.push(new LoadMoreNode(node.instanceId, node.table, list.nodes.length, list.total));
    if (out.length === 0 && filter) {
      out.push(new MessageNode(node.id, `No records match “${filter}”`, { icon: new vscode.ThemeIcon('filter') }));
    }
    return out;
  }

  /** Loads the next page; resolves to its first record (where the focus goes), if any. */
  async loadMore(node: LoadMoreNode): Promise<RecordNode | undefined> {
    const key = this.listKey(node.instanceId, node.table, this.filterOf(node));
    const list = this.records.get(key);
    if (!list) return undefined;
    const registry = this.registries.get(node.instanceId)?.find((r) => r.table === node.table);
    const page = await this.fetchPage(node, registry?.name ?? node.table, list.nodes.length);
    const seen = new Set(list.nodes.map((n) => n.id));
    const added = page.nodes.filter((n) => !seen.has(n.id));
    list.nodes.push(...added);
    list.total = page.total;
    this.changed.fire(registry);
    return added[0];
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
    const list = this.records.get(this.listKey(instanceId, table, this.filterOf(reg)));
    if (!list) return undefined;
    const instance = await this.instances.getReadOnly(instanceId);
    const transforms = table === 'lamindb_run' ? await runTransforms(instance, [record]) : undefined;
    const node = new RecordNode(instanceId, table, reg.name, summarize(record, table, transforms));
    const found = list.nodes.find((n) => n.id === node.id) ?? list.pinned.find((n) => n.id === node.id);
    if (found) return found;
    list.pinned.push(node);
    this.changed.fire(reg);
    return node;
  }
}
