/**
 * The one message protocol between the lineage webview and its host (the extension's panel, or
 * the standalone page the CLI writes). The webview sends requests with ids; the host answers each
 * with a response carrying the same id, `ok: false` with an error instead of throwing. Types only
 * (and tiny guards): both the extension host and the browser bundle import this file.
 */
import type { LineageGraph, LineageRef } from '../core/lineage/types';

export type {
  LineageEdge,
  LineageEdgeKind,
  LineageGraph,
  LineageNode,
  LineageNodeKind,
  LineageRef,
} from '../core/lineage/types';

/** The webview panel's view type (also what the serializer is registered for). */
export const LINEAGE_VIEW_TYPE = 'laminSync.lineage';

/** Every request the webview can send, with its parameters and the result the host answers with. */
export interface LineageRequests {
  /** (Re)load the graph of the panel's object with these depths. */
  load: { params: { upstream: number; downstream: number }; result: LineageGraph };
  /** The neighbours of one node (one hop each way), to merge into the graph. */
  expand: { params: { nodeId: string }; result: LineageGraph };
  /** Reveal the node's record in the instance tree. */
  reveal: { params: { nodeId: string }; result: { revealed: boolean; message?: string } };
  /** Save the drawing. */
  exportSvg: { params: { svg: string; fileName: string }; result: { saved: string | null } };
}
export type RequestMethod = keyof LineageRequests;
export type RequestParams<M extends RequestMethod> = LineageRequests[M]['params'];
export type RequestResult<M extends RequestMethod> = LineageRequests[M]['result'];

export interface RequestMessage<M extends RequestMethod = RequestMethod> {
  type: 'request';
  id: number;
  method: M;
  params: RequestParams<M>;
}

export interface ErrorPayload {
  /** A LaminSyncError code (`NOT_FOUND`, `CONNECTION`…) or `INTERNAL`. */
  code: string;
  message: string;
}

export type ResponseMessage<M extends RequestMethod = RequestMethod> =
  | { type: 'response'; id: number; ok: true; result: RequestResult<M> }
  | { type: 'response'; id: number; ok: false; error: ErrorPayload };

/** Pushed by the host without a request: a newer graph (e.g. after a sync into the instance). */
export interface GraphEvent {
  type: 'event';
  event: 'graph';
  graph: LineageGraph;
}

export type WebviewToHost = RequestMessage;
export type HostToWebview = ResponseMessage | GraphEvent;

/** Which lineage a panel shows: the object, the depths, and the graph once loaded. */
export interface LineageView {
  title: string;
  /** The extension's id of the instance (absent in standalone pages). */
  instanceId: string | null;
  ref: LineageRef;
  upstream: number;
  downstream: number;
  /** Embedded graph (standalone), or null: the webview asks for it with `load`. */
  graph: LineageGraph | null;
}

/** What the host writes into the page (a JSON script element, id `lineage-boot`). */
export interface BootData extends LineageView {
  /** `vscode`: a panel with a host behind it; `standalone`: the CLI's HTML file, graph embedded. */
  mode: 'vscode' | 'standalone';
}

/** What the webview keeps with `setState` (across hide/show) and the serializer restores after a reload. */
export interface LineageViewState extends LineageView {
  version: 1;
  expanded: string[];
  selected: string | null;
  search: string;
  zoom: { k: number; x: number; y: number } | null;
}

export const BOOT_ELEMENT_ID = 'lineage-boot';

export function isRequestMessage(m: unknown): m is RequestMessage {
  const x = m as Partial<RequestMessage> | null;
  return (
    typeof x === 'object' &&
    x !== null &&
    x.type === 'request' &&
    typeof x.id === 'number' &&
    typeof x.method === 'string' &&
    ['load', 'expand', 'reveal', 'exportSvg'].includes(x.method)
  );
}

export function isLineageViewState(s: unknown): s is LineageViewState {
  const x = s as Partial<LineageViewState> | null;
  return typeof x === 'object' && x !== null && x.version === 1 && typeof x.ref === 'object' && x.ref !== null;
}
