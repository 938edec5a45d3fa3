import type { SlotUpdate } from './slot-schemas';
import type { Dialect, InstanceIdentity } from '../instance/types';

/** What the user asked to sync. */
export interface Selection {
  /** Registry by model or table name (`Artifact`, `bionty.CellType`); default: Artifact for keys, any for uids. */
  registry?: string;
  uids?: string[];
  keys?: string[];
  /** Every record of `registry` (optionally narrowed by `filter`). */
  all?: boolean;
  /** Substring of uid, key or name. */
  filter?: string;
}

export type RowAction = 'transfer' | 'map';

/** A foreign key sync follows on a table: its column and the table it points at. */
export interface FollowedForeignKey {
  readonly column: string;
  readonly refTable: string;
}

/**
 * What a foreign key of a planned row points at: the planned row; its source id while that row is
 * not planned yet (none is left once planning completes); null where the row has no value, or a
 * built-in branch it keeps as it is.
 */
export type RowRef = PlannedRow | number | null;

/** One source row and what the sync does with it. */
export interface PlannedRow {
  /** `table#sourceId` */
  readonly key: string;
  table: string;
  /** Model class name (`Artifact`); link tables carry theirs too but are never reported. */
  model: string;
  sourceId: number;
  uid: string | null;
  action: RowAction;
  /**
   * Known for mapped rows; assigned when a transferred row is inserted — except a row without a
   * uid that no transferred row points at (a link row written to Postgres), which returns none.
   */
  targetId: number | null;
  /** The source row (transferred rows only). */
  values: Record<string, unknown> | null;
  /**
   * The foreign keys sync follows on this table (one array shared by the table's transferred rows;
   * empty for mapped rows), and `refs[i]`, what key `i` points at: written as that row's target id.
   * One slot per key, no object per reference.
   */
  readonly fks: readonly FollowedForeignKey[];
  readonly refs: RowRef[];
  /** Listed in the report (registries yes, link rows no). */
  reportable: boolean;
  /** Why it is in the plan, for `--dry-run`. */
  readonly reason: string;
  /** A record whose `run_id` is the run that started the sync, not the transfer run (a rebuilt slot schema). */
  contextRun?: boolean;
  /** A row the sync builds itself (a rebuilt slot schema, its member links): the source row it stands for. */
  rawSourceId?: number;
  /** Its place in planning order (0, 1, …): set when the plan takes it, indexes `RowMarks`. */
  index: number;
}

export interface TransferTransformSpec {
  uid: string;
  key: string;
  description: string;
}

export interface SyncPlan {
  source: InstanceIdentity;
  target: InstanceIdentity;
  sourceDialect: Dialect;
  targetDialect: Dialect;
  annotations: boolean;
  /** Every planned row by key (`table#sourceId`), in planning order. */
  rows: ReadonlyMap<string, PlannedRow>;
  /** Keys of the requested objects, in the order asked. */
  requested: string[];
  /** Transferred rows in insert batches (one table each), dependencies first. */
  insertOrder: PlannedRow[][];
  /**
   * Rows in the order LaminDB reports them: each object, then its foreign keys depth-first, then
   * features and labels. A label linked twice appears twice, as in LaminDB's report.
   */
  reportOrder: readonly PlannedRow[];
  /** How each entry of `reportOrder` is reported (a repeat of a transferred label reads as mapped). */
  reportActions: readonly RowAction[];
  /** Where each group of report lines starts in `reportOrder` (an object LaminDB saves on its own: a collection's artifact). */
  reportGroups?: readonly number[];
  /** Target rows whose `is_latest` becomes false because a newer version of their family arrives. */
  demote: Array<{ table: string; targetIds: number[] }>;
  /**
   * Versions that arrive as their source's latest but are older than their family's latest in the
   * target: written with `is_latest` false, the target's latest stays (LaminDB's rule: the newest
   * `created_at` is latest).
   */
  keptLatest: KeptLatest[];
  transfer: TransferTransformSpec;
  /** Slots of mapped objects that the target holds with another schema: re-pointed at the rebuilt one. */
  slotUpdates: SlotUpdate[];
  warnings: string[];
  /** What planning cost (the result adds it to the write's, whenever the plan is executed). */
  planning?: { durationMs: number; statements: { source: number; target: number } };
}

/** A target's latest version that stays latest, and the older version synced into its family. */
export interface KeptLatest {
  registry: string;
  /** The target's latest (newer) version. */
  latestUid: string;
  /** The synced (older) version, written as not latest. */
  olderUid: string;
}

export interface RegistryUid {
  registry: string;
  uid: string;
}

export interface ReportGroup {
  transferred: RegistryUid[];
  mapped: RegistryUid[];
}

export interface SyncResult {
  transferred: RegistryUid[];
  mapped: RegistryUid[];
  /** The same entries per object LaminDB reports apart (a collection's artifacts, then the collection). */
  groups?: ReportGroup[];
  /** The transfer transform and run; null when nothing was transferred (nothing was written). */
  transform: { uid: string; key: string } | null;
  run: { uid: string } | null;
  initiatedByRun: { uid: string } | null;
  /** Rows inserted per table (the transfer transform and runs included). */
  written: Record<string, number>;
  /** Target rows per table updated in place: slots re-pointed at their rebuilt schema (not counted in `written`). */
  updated: Record<string, number>;
  /** Target rows per table whose `is_latest` was cleared (a newer version of their family arrived). */
  demoted: Record<string, number>;
  /** Synced versions older than their family's latest in the target (written as not latest). */
  keptLatest: KeptLatest[];
  /** Planning and writing (not the time a previewed plan waited for a confirm). */
  durationMs: number;
  /**
   * Where that time went: planning (reads of both instances), writing the rows, and the commit
   * (where Postgres runs the foreign-key checks Django defers to the end of a transaction).
   */
  phases: { planMs: number; writeMs: number; commitMs: number };
  /** SQL statements sent to each instance by planning and writing. */
  statements: { source: number; target: number };
}

export interface SyncProgress {
  stage: 'plan' | 'write' | 'done';
  done: number;
  total: number;
  message: string;
}
