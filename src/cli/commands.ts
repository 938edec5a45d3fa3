import { LaminSyncError, quoteValue } from '../core/errors';
import { join } from 'node:path';
import { settingsLocator, type Locator } from '../core/instance/locator';
import {
  currentInstanceSettings,
  findInstanceSettings,
  instanceUidFromUuid,
  laminSettingsDir,
  listInstanceSettings,
  localInstanceUuid,
  registerInstance,
} from '../core/instance/settings';
import { openInstance } from '../core/instance/open';
import type { Instance } from '../core/instance/types';
import { getRecord, listRecords, registriesWithCounts } from '../core/query/records';
import { initIdentity, initInstance } from '../core/schema/init';
import { CLI_TRACKING } from '../core/sync/context';
import { sync } from '../core/sync/index';
import { recoverSqlite } from '../core/instance/sqlite';
import { resolveLocator } from '../core/instance/locator';
import { cancellable, closing } from './signals';
import { planSync } from '../core/sync/plan';
import { formatKeptLatest, formatPlan, formatReport, formatWritten, plannedReport, reportJson } from '../core/sync/report';
import { annotationPlanner } from '../core/sync/annotations';
import { intOption, listOption, parse, repeatedOption } from './args';
import { formatRecord, formatTable } from './format';

export type Out = (line: string) => void;

async function withInstance<T>(input: string, readOnly: boolean, fn: (i: Instance) => Promise<T>): Promise<T> {
  const instance = await openInstance(input, { readOnly });
  try {
    return await fn(instance);
  } finally {
    await instance.close();
  }
}

export const SYNC_USAGE =
  'lamin-sync sync SOURCE [TARGET] (--uid U | --key K)... [--registry R] [--all [--filter TEXT]] [--annotations] [--dry-run] [--json] [--initiated-by-run UID]';

export async function syncCommand(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parse(
    args,
    {
      uid: { type: 'string', multiple: true },
      key: { type: 'string', multiple: true },
      registry: { type: 'string' },
      all: { type: 'boolean' },
      filter: { type: 'string' },
      annotations: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      'initiated-by-run': { type: 'string' },
    },
    SYNC_USAGE,
  );
  if (positionals.length < 1 || positionals.length > 2) {
    throw new LaminSyncError('INVALID_ARGUMENT', positionals.length === 0 ? 'sync needs a SOURCE.' : `sync takes SOURCE and TARGET, not ${positionals.length} instances.`);
  }
  const sourceArg = positionals[0]!;
  const current = positionals[1] === undefined ? currentInstanceTarget() : undefined;
  const targetArg = positionals[1] ?? current!.locator;
  if (current && !values.json) out(`→ target: LaminDB's current instance ${current.slug}`);
  const selection = {
    uids: repeatedOption(values.uid),
    keys: repeatedOption(values.key),
    ...(values.registry ? { registry: values.registry } : {}),
    ...(values.all ? { all: true } : {}),
    ...(values.filter ? { filter: values.filter } : {}),
  };
  await cancellable(async (signal) => {
    const source = await openInstance(sourceArg, { readOnly: true });
    try {
      // A dry run only reads the target too.
      const target = await openInstance(targetArg, { readOnly: Boolean(values['dry-run']) });
      try {
        const planOptions = { annotations: Boolean(values.annotations), annotationPlanner, signal };
        if (values['dry-run']) {
          const plan = await planSync(source, target, selection, planOptions);
          if (values.json) {
            out(JSON.stringify(planJson(plan), null, 2));
          } else {
            for (const line of formatPlan(plan)) out(line);
          }
          return;
        }
        const { plan, result } = await sync(source, target, selection, {
          ...planOptions,
          onWait: (message) => console.error(`… ${message}`),
          ...(values['initiated-by-run'] ? { initiatedByRun: values['initiated-by-run'] } : { tracking: CLI_TRACKING }),
        });
        if (values.json) {
          out(JSON.stringify(reportJson(result), null, 2));
        } else {
          for (const w of plan.warnings) out(`! ${w}`);
          for (const line of formatReport(result)) out(line);
          out(formatWritten(result, target.catalog));
          for (const line of formatKeptLatest(result.keptLatest)) out(line);
        }
        if (signal.aborted) console.error('! the cancel came after the commit was sent: the sync completed');
      } finally {
        await closing(() => target.close());
      }
    } finally {
      await closing(() => source.close());
    }
  });
}

/** LaminDB's current instance (`lamin connect`, `lamin init`), the TARGET when none is given. */
function currentInstanceTarget(): { locator: Locator; slug: string } {
  const current = currentInstanceSettings();
  if (!current) {
    throw new LaminSyncError(
      'NOT_FOUND',
      `No TARGET given and LaminDB has no current instance (${join(laminSettingsDir(), 'current_instance.env')} is missing): ` +
        'pass TARGET, or make one current with `lamin connect OWNER/NAME`.',
    );
  }
  return { locator: settingsLocator(current), slug: `${current.owner}/${current.name}` };
}

function planJson(plan: Awaited<ReturnType<typeof planSync>>): Record<string, unknown> {
  const report = plannedReport(plan);
  return {
    dry_run: true,
    source: plan.source.slug,
    target: plan.target.slug,
    transferred: report.transferred,
    mapped: report.mapped,
    link_rows: [...plan.rows.values()].filter((r) => !r.reportable && r.uid === null && r.action === 'transfer').length,
    demote: plan.demote,
    kept_latest: plan.keptLatest,
    transform: { uid: plan.transfer.uid, key: plan.transfer.key },
    warnings: plan.warnings,
  };
}

export const LS_USAGE = 'lamin-sync ls INSTANCE [REGISTRY] [--limit N] [--offset N] [--filter TEXT] [--json]';

export async function lsCommand(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parse(
    args,
    {
      limit: { type: 'string' },
      offset: { type: 'string' },
      filter: { type: 'string' },
      json: { type: 'boolean' },
    },
    LS_USAGE,
  );
  if (positionals.length < 1 || positionals.length > 2) throw new LaminSyncError('INVALID_ARGUMENT', `usage: ${LS_USAGE}`);
  await withInstance(positionals[0]!, true, async (instance) => {
    if (positionals.length === 1) {
      const regs = await registriesWithCounts(instance);
      if (values.json) return out(JSON.stringify({ instance: instance.identity, registries: regs }, null, 2));
      out(`${instance.identity.slug} (${instance.dialect}, uid ${instance.identity.uid}) — ${instance.location}`);
      for (const line of formatTable(regs.map((r) => ({ registry: r.app === 'lamindb' ? r.registry : `${r.app}.${r.registry}`, records: r.count })))) out(line);
      return;
    }
    const page = await listRecords(instance, positionals[1]!, {
      ...(values.limit !== undefined ? { limit: intOption(values.limit, 'limit')! } : {}),
      ...(values.offset !== undefined ? { offset: intOption(values.offset, 'offset')! } : {}),
      ...(values.filter ? { filter: values.filter } : {}),
    });
    if (values.json) return out(JSON.stringify(page, null, 2));
    const cols = ['uid', 'key', 'name', 'description', 'created_at'].filter((c) => page.records.some((r) => c in r));
    for (const line of formatTable(page.records.map((r) => Object.fromEntries(cols.map((c) => [c, r[c]]))))) out(line);
    out(`${page.records.length} of ${page.total} ${page.registry} record(s)${page.offset ? ` from ${page.offset}` : ''}, newest first`);
  });
}

export const SHOW_USAGE = 'lamin-sync show INSTANCE (--uid U | --key K) [--registry R] [--json]';

export async function showCommand(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parse(
    args,
    { uid: { type: 'string' }, key: { type: 'string' }, registry: { type: 'string' }, json: { type: 'boolean' } },
    SHOW_USAGE,
  );
  if (positionals.length !== 1 || (!values.uid && !values.key)) throw new LaminSyncError('INVALID_ARGUMENT', `usage: ${SHOW_USAGE}`);
  await withInstance(positionals[0]!, true, async (instance) => {
    const found = await getRecord(instance, {
      ...(values.uid ? { uid: values.uid } : {}),
      ...(values.key ? { key: values.key } : {}),
      ...(values.registry ? { registry: values.registry } : {}),
    });
    if (!found) {
      throw new LaminSyncError('NOT_FOUND', `No record with ${values.uid ? `uid ${quoteValue(values.uid)}` : `key ${quoteValue(values.key!)}`} in ${instance.identity.slug}.`);
    }
    if (values.json) return out(JSON.stringify({ registry: found.registry.model, record: found.record }, null, 2));
    out(formatRecord(found.registry, found.record));
  });
}

export const INSTANCES_USAGE = 'lamin-sync instances [--json]';

export async function instancesCommand(args: string[], out: Out): Promise<void> {
  const { values } = parse(args, { json: { type: 'boolean' } }, INSTANCES_USAGE);
  const current = currentInstanceSettings();
  const list = listInstanceSettings().map((s) => ({
    slug: `${s.owner}/${s.name}`,
    uid: s.id ? instanceUidFromUuid(s.id) : null,
    dialect: s.db ? 'postgres' : 'sqlite',
    storage_root: s.storageRoot,
    modules: s.modules,
    default: current !== null && current.owner === s.owner && current.name === s.name,
  }));
  if (values.json) return out(JSON.stringify(list, null, 2));
  if (list.length === 0) {
    out('No LaminDB instances in the settings folder (~/.lamin, or $LAMIN_SETTINGS_DIR/.lamin).');
    return;
  }
  for (const line of formatTable(list.map((i) => ({ ...i, default: i.default ? '*' : '', modules: i.modules.join(',') })))) out(line);
}

export const INIT_USAGE = 'lamin-sync init --storage DIR [--modules bionty] [--name NAME] [--owner OWNER] [--db postgresql://…]';

export async function initCommand(args: string[], out: Out): Promise<void> {
  const { values } = parse(
    args,
    {
      storage: { type: 'string' },
      modules: { type: 'string' },
      name: { type: 'string' },
      owner: { type: 'string' },
      db: { type: 'string' },
      json: { type: 'boolean' },
    },
    INIT_USAGE,
  );
  if (!values.storage) throw new LaminSyncError('INVALID_ARGUMENT', `usage: ${INIT_USAGE}`);
  const { owner, name } = initIdentity({ storage: values.storage, name: values.name, owner: values.owner });
  const known = findInstanceSettings(owner, name);
  if (known) {
    throw new LaminSyncError(
      'INVALID_ARGUMENT',
      `LaminDB already knows an instance ${known.owner}/${known.name} (${known.file}): pass another --name, or delete that file if the instance is gone.`,
    );
  }
  const r = await initInstance({
    storage: values.storage,
    modules: listOption(values.modules),
    ...(values.name ? { name: values.name } : {}),
    ...(values.owner ? { owner: values.owner } : {}),
    ...(values.db ? { db: values.db } : {}),
  });
  // As `lamin init`: LaminDB's settings know the instance, and it is the current one.
  const settingsFile = registerInstance({
    owner,
    name,
    storageRoot: r.storageRoot,
    db: values.db ?? null,
    modules: listOption(values.modules).filter((m) => m !== 'lamindb'),
    id: localInstanceUuid(owner, name),
  });
  if (values.json) return out(JSON.stringify({ ...r, settings: settingsFile }, null, 2));
  out(`→ initialized lamindb: ${r.slug} (${r.dialect}, instance uid ${r.instanceUid}) at ${r.location}`);
  out(`→ registered in ${settingsFile}; it is now LaminDB's current instance`);
}

export const RECOVER_USAGE = 'lamin-sync recover INSTANCE';

/**
 * Rolls back the interrupted write a killed or crashed writer left in a SQLite file (its hot
 * journal; a WAL file's log is checkpointed), which read-only opens cannot do, and checks the file.
 */
export async function recoverCommand(args: string[], out: Out): Promise<void> {
  const { positionals } = parse(args, {}, RECOVER_USAGE);
  if (positionals.length !== 1) throw new LaminSyncError('INVALID_ARGUMENT', `usage: ${RECOVER_USAGE}`);
  const locator = resolveLocator(positionals[0]!);
  if (locator.kind !== 'sqlite') {
    throw new LaminSyncError('UNSUPPORTED', 'recover is for SQLite files: Postgres recovers interrupted transactions by itself.');
  }
  const r = recoverSqlite(locator.file);
  if (r.check !== 'ok') {
    throw new LaminSyncError('CORRUPT', `${locator.file} is damaged (integrity check: ${r.check}). Restore it from a backup.`);
  }
  out(
    r.hadJournal
      ? `→ recovered ${locator.file}: the interrupted write was rolled back (integrity check: ok)`
      : `→ ${locator.file} has no interrupted write to recover (integrity check: ok)`,
  );
}
