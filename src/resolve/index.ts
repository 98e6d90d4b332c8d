export { resolveBundle, type LayerSet } from './bundle.ts';
export { explainKey, type Explanation, type ExplainSetting } from './explain.ts';
export { findEnvironment, findInstance, findService, instanceOf, listInstances } from './instances.ts';
export { allLayers, layersFor, type LayerRef } from './layers.ts';
export { secretTarget, storeLocation } from './secrets.ts';
export type * from './types.ts';
