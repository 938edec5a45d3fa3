export { expandLineage, lineageGraph, mergeGraphs, nodeId, parseNodeId, transferOrigin } from './graph';
export * from './types';
