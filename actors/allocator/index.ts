/**
 * The allocator (DESIGN.md §7): the actor and its facade, and the pure allocation policy
 * they drive (the DRF sorter and the hierarchical allocator core).
 */
export {
  ALLOCATOR_ACTOR_ID,
  ALLOCATOR_METRICS,
  ALLOCATOR_COUNTERS,
  ALLOCATOR_RESOURCE_METRICS,
  ALLOCATION_RUN_TIMER_WINDOW_MS,
  allocatorQuotaKey,
  allocatorResourceKey,
  allocatorRoleFiltersKey,
  allocatorRoleShareKey,
  MIN_ALLOCATION_INTERVAL_MS,
  Allocator,
  AllocatorProcess,
  type AllocatorMetrics,
  type AllocatorOptions,
  type OfferCallback,
  type RefuseFilter,
} from './allocator';
export * from './constants';
export * from './errors';
export { HierarchicalAllocatorCore } from './hierarchical';
export type {
  AddAgentOptions,
  UpdateAgentOptions,
  AgentAttributes,
  AgentView,
  DeclineFilter,
  FrameworkSubscription,
  FrameworkUpdate,
  HierarchicalAllocatorOptions,
  HoldingView,
  Allocation,
  Quota,
  UsedResources,
} from './hierarchical';
export { DRFSorter, SorterError, DEFAULT_WEIGHT, type DRFSorterOptions, type SorterVisitor } from './sorter';
export { ScalarTotals } from './totals';
export { createSeededRandom, shuffleInPlace, type RandomSource } from './random';
