// The host side of the lineage protocol, without VS Code: answers one request message with one
// response message (same id; errors as `ok: false`). The panel wires it to a webview; tests wire
// it to a page in a headless browser.
import { isLaminSyncError } from '../../core/errors';
import type { Instance } from '../../core/instance/types';
import { expandLineage, lineageGraph, parseNodeId } from '../../core/lineage';
import type { LineageRef } from '../../core/lineage/types';
import {
  isRequestMessage,
  type ErrorPayload,
  type RequestMessage,
  type RequestMethod,
  type RequestResult,
  type ResponseMessage,
} from '../../shared/protocol';

export interface RevealTarget {
  instanceId: string;
  /** LaminDB registry: Artifact, Collection, Run, Transform. */
  registry: string;
  /** Its table: lamindb_artifact, lamindb_collection, lamindb_run, lamindb_transform. */
  table: string;
  uid: string;
  nodeId: string;
}

export interface LineageHostDeps {
  instanceId: string;
  ref: LineageRef;
  getInstance(instanceId: string): Promise<Instance>;
  reveal(target: RevealTarget): Promise<{ revealed: boolean; message?: string }>;
  saveSvg(svg: string, fileName: string): Promise<string | null>;
}

const REGISTRY: Record<string, string> = { artifact: 'Artifact', collection: 'Collection', run: 'Run', transform: 'Transform' };

export function errorPayload(e: unknown): ErrorPayload {
  if (isLaminSyncError(e)) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

export class LineageController {
  constructor(private readonly deps: LineageHostDeps) {}

  /** One response per request; anything that is not a request of the protocol gets null. */
  async handle(message: unknown): Promise<ResponseMessage | null> {
    if (!isRequestMessage(message)) return null;
    try {
      const result = await this.answer(message);
      return { type: 'response', id: message.id, ok: true, result };
    } catch (e) {
      return { type: 'response', id: message.id, ok: false, error: errorPayload(e) };
    }
  }

  private async answer(m: RequestMessage): Promise<RequestResult<RequestMethod>> {
    const d = this.deps;
    switch (m.method) {
      case 'load': {
        const p = m.params as RequestMessage<'load'>['params'];
        return lineageGraph(await d.getInstance(d.instanceId), d.ref, { upstream: p.upstream, downstream: p.downstream });
      }
      case 'expand': {
        const p = m.params as RequestMessage<'expand'>['params'];
        return expandLineage(await d.getInstance(d.instanceId), p.nodeId);
      }
      case 'reveal': {
        const p = m.params as RequestMessage<'reveal'>['params'];
        const { kind, uid } = parseNodeId(p.nodeId);
        const registry = REGISTRY[kind];
        if (!registry) return { revealed: false, message: `${uid} is another instance; it is not in this instance's tree.` };
        return d.reveal({ instanceId: d.instanceId, registry, table: `lamindb_${kind}`, uid, nodeId: p.nodeId });
      }
      case 'exportSvg': {
        const p = m.params as RequestMessage<'exportSvg'>['params'];
        return { saved: await d.saveSvg(p.svg, p.fileName) };
      }
    }
  }
}
