import * as vscode from 'vscode';
import type { InstanceEntry } from './instances';

/** An instance row. */
export class InstanceNode {
  readonly kind = 'instance' as const;
  constructor(readonly entry: InstanceEntry) {}
  get id(): string {
    return `i|${this.entry.id}`;
  }
}

/** A registry of an instance, with its record count. */
export class RegistryNode {
  readonly kind = 'registry' as const;
  constructor(
    readonly instanceId: string,
    /** Table name (`lamindb_artifact`). */
    readonly table: string,
    /** `Artifact`, `bionty.CellType`. */
    readonly name: string,
    readonly count: number,
  ) {}
  get id(): string {
    return `r|${this.instanceId}|${this.table}`;
  }
}

/** Fields a record row shows and its tooltip lists; not the whole record. */
export interface RecordSummary {
  uid: string;
  /** What the row shows when it has no key or name (a run's transform and start, a storage root…). */
  label?: string;
  /** The default target holds a record with this uid (undefined: not known, or this is the default target). */
  inDefault?: boolean;
  key?: string | null;
  name?: string | null;
  description?: string | null;
  size?: number | null;
  createdAt?: string | null;
  version?: string | null;
  suffix?: string | null;
}

export class RecordNode {
  readonly kind = 'record' as const;
  constructor(
    readonly instanceId: string,
    readonly table: string,
    /** Registry name as the tree shows it (`Artifact`, `bionty.CellType`). */
    readonly registry: string,
    readonly summary: RecordSummary,
  ) {}
  get uid(): string {
    return this.summary.uid;
  }
  get id(): string {
    return `o|${this.instanceId}|${this.table}|${this.summary.uid}`;
  }
}

export class LoadMoreNode {
  readonly kind = 'loadMore' as const;
  constructor(
    readonly instanceId: string,
    readonly table: string,
    readonly shown: number,
    readonly total: number,
  ) {}
  get id(): string {
    return `m|${this.instanceId}|${this.table}`;
  }
}

/** A row that only says something (an error opening an instance, an empty registry list). */
export class MessageNode {
  readonly kind = 'message' as const;
  constructor(
    readonly parentId: string,
    readonly text: string,
    readonly options: { tooltip?: string; icon?: vscode.ThemeIcon; command?: vscode.Command; contextValue?: string } = {},
  ) {}
  get id(): string {
    return `x|${this.parentId}|${this.text.slice(0, 60)}`;
  }
}

export type LaminNode = InstanceNode | RegistryNode | RecordNode | LoadMoreNode | MessageNode;

export function registryDisplayName(app: string, model: string): string {
  return app === 'lamindb' ? model : `${app}.${model}`;
}

const REGISTRY_ICONS: Record<string, string> = {
  Artifact: 'file',
  Collection: 'folder-library',
  Transform: 'symbol-method',
  Run: 'play',
  ULabel: 'tag',
  Record: 'symbol-class',
  Feature: 'symbol-field',
  Schema: 'symbol-structure',
  Storage: 'database',
  User: 'person',
  Project: 'project',
  Space: 'symbol-namespace',
  Branch: 'git-branch',
  Reference: 'book',
};

export function registryIcon(name: string): vscode.ThemeIcon {
  const model = name.includes('.') ? name.slice(name.indexOf('.') + 1) : name;
  return new vscode.ThemeIcon(REGISTRY_ICONS[model] ?? (name.startsWith('bionty.') ? 'beaker' : 'symbol-object'));
}

export function humanSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
