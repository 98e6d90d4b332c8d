export { resolveBundle, type LayerSet } from './bundle.ts';
export { explainKey, type Explanation, type ExplainSetting } from './explain.ts';
export { findEnvironment, findInstance, findService, instanceOf, listInstances } from './instances.ts';
export { allLayers, entriesInStack, layersFor, type LayerRef, STACKED, stackKey } from './layers.ts';
export { secretTarget, storeLocation } from './secrets.ts';
export type * from './types.ts';
