/**
 * The pure allocation policy (DESIGN.md §7): the DRF sorter and the hierarchical
 * allocator core the allocator actor drives.
 */
export * from './constants';
export * from './errors';
export { HierarchicalAllocatorCore } from './hierarchical';
export type {
  AddAgentOptions,
  AgentAttributes,
  AgentView,
  DeclineFilter,
  FrameworkSubscription,
  HierarchicalAllocatorOptions,
  HoldingView,
  Offer,
  Quota,
  UsedResources,
} from './hierarchical';
export { DRFSorter, SorterError, DEFAULT_WEIGHT, type DRFSorterOptions, type SorterVisitor } from './sorter';
export { ScalarTotals } from './totals';
export { createSeededRandom, shuffleInPlace, type RandomSource } from './random';
