import { resolve } from 'node:path';
import { GUIDE_ARTIFACT } from '../core/example/guide';
import { createGuideInstances } from '../core/example/guide-instances';
import { openInstance } from '../core/instance/open';
import { getRecord } from '../core/query/records';
import { CLI_TRACKING } from '../core/sync/context';
import { sync } from '../core/sync/index';
import { formatReport } from '../core/sync/report';
import { annotationPlanner } from '../core/sync/annotations';
import { describeArtifact } from '../core/query/describe';
import { parse } from './args';
import { renderDescription } from './describe';
import { formatRecord } from './format';
import type { Out } from './commands';

export const DEMO_USAGE = 'lamin-sync demo [--dir DIR]';

/**
 * The guide's flow on local SQLite instances: a source like `laminlabs/lamindata` holding the
 * example artifact on S3, an empty target like `lamin init --storage ./test-sync --modules bionty`,
 * a sync, a second sync that maps everything, a sync with annotations, describe, and a re-sync.
 */
export async function demoCommand(args: string[], out: Out): Promise<void> {
  const { values } = parse(args, { dir: { type: 'string' } }, DEMO_USAGE);
  const dir = resolve(values.dir ?? 'demo-instances');
  out(`Demo instances in ${dir}`);
  const { source: src, target: tgt } = await createGuideInstances(dir);
  out(`→ source ${src.slug} (uid ${src.instanceUid}): ${src.location}`);
  out(`→ target ${tgt.slug} (uid ${tgt.instanceUid}): ${tgt.location}`);

  const source = await openInstance(src.locator, { readOnly: true });
  const target = await openInstance(tgt.locator, { readOnly: false });
  try {
    const selection = { keys: [GUIDE_ARTIFACT.key] };
    out('');
    out(`$ lamin-sync sync ${src.location} ${tgt.location} --key ${GUIDE_ARTIFACT.key}`);
    const first = await sync(source, target, selection, { tracking: CLI_TRACKING, annotationPlanner });
    for (const line of formatReport(first.result)) out(line);
    const synced = await getRecord(target, { key: GUIDE_ARTIFACT.key });
    if (synced) out(formatRecord(synced.registry, synced.record));
    out(`→ transfer run ${first.result.run?.uid} of ${first.result.transform?.key}`);
    out('');
    out('$ (the same sync again)');
    const second = await sync(source, target, selection, { tracking: CLI_TRACKING, annotationPlanner });
    for (const line of formatReport(second.result)) out(line);
    out(second.result.transferred.length === 0 ? '→ nothing transferred: the sync is idempotent' : '! the second sync transferred rows');
    out('');
    out('$ (the same sync with --annotations)');
    const withAnnotations = await sync(source, target, selection, { tracking: CLI_TRACKING, annotations: true, annotationPlanner });
    for (const line of formatReport(withAnnotations.result)) out(line);
    out('');
    out(`$ lamin-sync describe ${tgt.location} --key ${GUIDE_ARTIFACT.key}`);
    for (const line of renderDescription(await describeArtifact(target, { key: GUIDE_ARTIFACT.key }))) out(line);
    out('');
    out('$ (the sync with --annotations again)');
    const again = await sync(source, target, selection, { tracking: CLI_TRACKING, annotations: true, annotationPlanner });
    for (const line of formatReport(again.result)) out(line);
    out(again.result.transferred.length === 0 ? '→ nothing transferred: everything is mapped' : '! the re-sync transferred rows');
  } finally {
    await source.close();
    await target.close();
  }
}
