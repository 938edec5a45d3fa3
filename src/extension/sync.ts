import * as vscode from 'vscode';
import { KeyedQueue } from './queue';
import { LaminSyncError, isLaminSyncError } from '../core/errors';
import type { Instance } from '../core/instance/types';
import { getRecord } from '../core/query/records';
import { annotationPlanner } from '../core/sync/annotations';
import type { TrackingSpec } from '../core/sync/context';
import { sync } from '../core/sync/index';
import { planSync } from '../core/sync/plan';
import { formatKeptLatest, formatPlan, formatReportSummary, formatWritten, fullReport, NOTHING_WRITTEN, plannedReport, summarizeReport, summaryCounts } from '../core/sync/report';
import type { Selection, SyncPlan, SyncProgress, SyncResult } from '../core/sync/types';
import type { ReadOnlyDocuments } from './documents';
import type { InstanceManager } from './instances';
import type { LaminNode } from './nodes';
import { errorMessage, reportError } from './output';
import { breathe, responsive } from './responsive';
import type { LaminTreeProvider } from './tree';

/** The transform the extension records in a target as the run that started each sync (like `ln.track()`). */
export const EXTENSION_TRACKING: TrackingSpec = {
  transformUid: 'LaminSyncVSC0000',
  key: 'lamin-sync-vscode',
  description: 'LaminDB Sync for VS Code',
  kind: 'script',
};

export interface SyncRequest {
  sourceId: string;
  targetId: string;
  selection: Selection;
  annotations: boolean;
  /** What is synced, for messages ("Artifact 9K1dteZ6…", "3 records", "all 200 ULabel records"). */
  what: string;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/**
 * Runs syncs: under a cancellable progress notification, one at a time per target, reporting
 * to the output channel exactly what the CLI prints, then refreshing and revealing the target.
 */
export class SyncRunner {
  /** Syncs into one target run one after the other. */
  private readonly queue = new KeyedQueue();
  /** The report of the last finished sync, for Show sync report. */
  private last: { name: string; text: string } | undefined;

  constructor(
    private readonly instances: InstanceManager,
    private readonly log: vscode.LogOutputChannel,
    private readonly tree: LaminTreeProvider,
    private readonly view: vscode.TreeView<LaminNode>,
    private readonly docs: ReadOnlyDocuments,
    /** Called after a sync wrote into a target (the lineage panels re-read it). */
    private readonly afterWrite: (targetId: string) => Promise<void> | void = () => undefined,
  ) {}

  private labels(req: SyncRequest): { source: string; target: string } {
    return { source: this.instances.require(req.sourceId).label, target: this.instances.require(req.targetId).label };
  }

  /** Plan → execute under progress. Resolves to the result, or undefined when cancelled or failed (already reported). */
  async run(req: SyncRequest): Promise<SyncResult | undefined> {
    if (req.sourceId === req.targetId) {
      await reportError(this.log, 'Sync failed', new LaminSyncError('INVALID_ARGUMENT', 'Source and target are the same instance: pick another target.'));
      return undefined;
    }
    const names = this.labels(req);
    const title = `Syncing ${req.what} to ${names.target}${req.annotations ? ' with annotations' : ''}`;
    const ac = new AbortController();
    let outcome: { plan: SyncPlan; result: SyncResult; source: Instance; target: Instance } | undefined;
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => ac.abort());
          const queued = this.queue.run(req.targetId, async () => {
            if (ac.signal.aborted) throw new LaminSyncError('CANCELLED', 'Sync cancelled before it started. Nothing was written.');
            outcome = await this.execute(req, ac.signal, progress);
          });
          if (queued.waiting) progress.report({ message: `waiting for the sync into ${names.target} that is running` });
          await queued.result;
        },
      );
    } catch (e) {
      if (isLaminSyncError(e) && e.code === 'CANCELLED') {
        this.log.warn(`Cancelled: ${names.source} → ${names.target}. ${e.message} The target was rolled back.`);
        void vscode.window.showWarningMessage(`Sync cancelled: nothing was written to ${names.target}.`, 'Show log').then((c) => {
          if (c === 'Show log') this.log.show(true);
        });
      } else {
        void reportError(this.log, `Sync to ${names.target} failed`, e);
      }
      return undefined;
    }
    const done = outcome!;
    const { result } = done;
    const counts = summarizeReport(result);
    const written = formatWritten(result, done.target.catalog);
    const summary =
      counts.transferred.length > 0
        ? summaryCounts(counts)
        : written === NOTHING_WRITTEN
          ? `nothing to transfer (${counts.mapped.length} mapped)`
          : `${counts.mapped.length} mapped, ${written.replace(/^→ /, '')}`;
    const first = done.plan.requested.map((k) => done.plan.rows.get(k)).find((r) => r && r.uid);
    const actions = first?.uid ? ['Show lineage', 'Show report', 'Show log'] : ['Show report', 'Show log'];
    const annotated = req.annotations ? ' with annotations' : '';
    void vscode.window.showInformationMessage(`Synced ${req.what} to ${names.target}${annotated}: ${summary}.`, ...actions).then((c) => {
      if (c === 'Show log') this.log.show(true);
      if (c === 'Show report') void this.showReport();
      // The synced object's lineage in the target: transfer run, initiating run, origin instance.
      if (c === 'Show lineage' && first?.uid) {
        void vscode.commands.executeCommand('laminSync.openLineage', { instanceId: req.targetId, uid: first.uid });
      }
    });
    this.tree.refresh(req.targetId);
    if (req.targetId === this.instances.defaultTargetId) void this.tree.refreshSyncStatus().catch(() => undefined);
    if (result.transferred.length > 0) {
      void Promise.resolve(this.afterWrite(req.targetId)).catch((e: unknown) => this.log.debug(`after sync: ${errorMessage(e)}`));
    }
    await this.revealInTarget(req.targetId, done.plan);
    return result;
  }

  private async execute(
    req: SyncRequest,
    signal: AbortSignal,
    progress: vscode.Progress<{ message?: string; increment?: number }>,
  ): Promise<{ plan: SyncPlan; result: SyncResult; source: Instance; target: Instance }> {
    const started = Date.now();
    progress.report({ message: 'opening the instances' });
    await breathe();
    const source = responsive(await this.instances.getReadOnly(req.sourceId));
    const target = responsive(await this.instances.openWritable(req.targetId));
    try {
      this.log.info(
        `Sync ${source.identity.slug} → ${target.identity.slug}: ${req.what}${req.annotations ? ' with annotations' : ''}`,
      );
      this.log.info(`source: ${source.location} (${source.dialect}, read-only)`);
      this.log.info(`target: ${target.location} (${target.dialect})`);
      let lastPct = 0;
      const onProgress = (p: SyncProgress): void => {
        if (p.stage === 'plan') progress.report({ message: `planning: ${p.message.toLowerCase()}` });
        else if (p.stage === 'write') {
          const pct = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 0;
          progress.report({ message: `writing ${p.done}/${p.total} rows — ${p.message}`, increment: Math.max(0, pct - lastPct) });
          lastPct = pct;
        }
      };
      // The target's lock is held across the plan and the write (another process's sync waits, then maps).
      const { plan, result } = await sync(source, target, req.selection, {
        annotations: req.annotations,
        annotationPlanner,
        signal,
        onProgress,
        onWait: (message) => {
          this.log.info(message);
          progress.report({ message });
        },
        tracking: EXTENSION_TRACKING,
      });
      for (const w of plan.warnings) this.log.warn(`! ${w}`);
      // LaminDB's lines while short; counts per registry past that (the full list: Show sync report).
      for (const line of formatReportSummary(result)) this.log.info(line);
      this.log.info(formatWritten(result, target.catalog));
      for (const line of formatKeptLatest(result.keptLatest)) this.log.info(line);
      const rows = Object.values(result.written).reduce((a, b) => a + b, 0);
      this.log.info(
        `Done in ${seconds(Date.now() - started)} (plan ${seconds(result.phases.planMs)}, write ${seconds(result.phases.writeMs)}, ` +
          `commit ${seconds(result.phases.commitMs)}): ${summaryCounts(summarizeReport(result))}, ` +
          `${rows} rows written${result.run ? ` (transfer run ${result.run.uid})` : ''}`,
      );
      this.last = {
        name: `report/${safeName(source.identity.slug)}-to-${safeName(target.identity.slug)}.txt`,
        text: fullReport(result, [
          `Sync ${source.identity.slug} → ${target.identity.slug}: ${req.what}${req.annotations ? ' with annotations' : ''}`,
          `finished ${new Date().toISOString()}${result.run ? `, transfer run ${result.run.uid}` : ''}`,
        ]),
      };
      return { plan, result, source, target };
    } finally {
      await target.close();
    }
  }

  /** The full report of the last sync (every object once, by registry) in a read-only document. */
  async showReport(): Promise<void> {
    if (!this.last) {
      void vscode.window.showInformationMessage('No sync has finished in this window yet.');
      return;
    }
    await this.docs.show(this.last.name, this.last.text, { preview: false });
  }

  private async revealInTarget(targetId: string, plan: SyncPlan): Promise<void> {
    const first = plan.requested.map((k) => plan.rows.get(k)).find((r) => r && r.uid);
    if (first?.uid) await this.revealRecord(targetId, first.table, first.uid, false);
  }

  /** Shows a record of an instance in the tree (after a sync; from the lineage panel). */
  async revealRecord(instanceId: string, table: string, uid: string, focus: boolean): Promise<boolean> {
    try {
      const instance = await this.instances.getReadOnly(instanceId);
      const found = await getRecord(instance, { registry: table, uid });
      if (!found) return false;
      const node = await this.tree.revealable(instanceId, table, found.record);
      if (!node || (!focus && !this.view.visible)) return false;
      await this.view.reveal(node, { select: true, focus, expand: true });
      return true;
    } catch (e) {
      this.log.debug(`reveal ${table} ${uid}: ${errorMessage(e)}`);
      return false;
    }
  }

  /** Plans without writing (the target opened read-only), shows the plan, and syncs on confirm. */
  async preview(req: SyncRequest): Promise<void> {
    const names = this.labels(req);
    let lines: string[];
    let counts = { transfer: 0, map: 0 };
    try {
      lines = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Planning ${req.what} → ${names.target}`, cancellable: true },
        async (_progress, token) => {
          const ac = new AbortController();
          token.onCancellationRequested(() => ac.abort());
          await breathe();
          const source = responsive(await this.instances.getReadOnly(req.sourceId));
          const target = responsive(await this.instances.getReadOnly(req.targetId));
          const plan = await planSync(source, target, req.selection, {
            annotations: req.annotations,
            annotationPlanner,
            signal: ac.signal,
          });
          const s = summarizeReport(plannedReport(plan));
          counts = { transfer: s.transferred.length, map: s.mapped.length };
          return formatPlan(plan);
        },
      );
    } catch (e) {
      if (isLaminSyncError(e) && e.code === 'CANCELLED') return;
      await reportError(this.log, `Preview of the sync to ${names.target} failed`, e);
      return;
    }
    await this.docs.show(`plan/${safeName(names.source)}-to-${safeName(names.target)}.txt`, lines.join('\n') + '\n', { preview: true });
    this.log.info(`Preview ${names.source} → ${names.target}: ${counts.transfer} to transfer, ${counts.map} mapped`);
    if (counts.transfer === 0) {
      void vscode.window.showInformationMessage(`${names.target} already holds everything: nothing to transfer.`);
      return;
    }
    const choice = await vscode.window.showInformationMessage(
      `Sync ${req.what} to ${names.target}? ${counts.transfer} to transfer, ${counts.map} mapped.`,
      { modal: true, detail: 'The plan is open in the editor. Nothing has been written yet.' },
      'Sync',
    );
    if (choice === 'Sync') await this.run(req);
  }
}
