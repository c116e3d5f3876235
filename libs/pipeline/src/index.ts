export { bigIntToBytes, bytesToBigInt, DecimalLogicalType, LOGICAL_TYPES } from './decimal-logical-type.js';
export { pipelineRegistry } from './registry.js';
export { loadSchema } from './schemas.js';
export { candleSerde, tradeSerde, valueSubject } from './serdes.js';
export { initPipeline, type InitResult } from './init.js';
export * from './topics.js';
