/**
 * The master (DESIGN.md §1, §5): the actor, its registry, its HTTP endpoints and metrics, and
 * `startMaster`, which the bins call to run one on a host.
 *
 * @example
 *   const host = await ActorHost.start({ port: 5050 });
 *   const { pid, stop } = await startMaster({ host, flags: defaultMasterFlags('/var/lib/mesos') });
 *   // master@127.0.0.1:5050; GET http://127.0.0.1:5050/master/state
 *   host.installSignalHandlers();
 */

export * from './constants';
export { checkMasterFlags, defaultMasterFlags, registryPathOf, renderMasterFlags, type MasterFlags } from './flags';
export { checkRateLimits, loadRateLimits, parseRateLimits, RateLimiter, type RateLimit, type RateLimits } from './rate-limits';
export { Master, type MasterIdentity } from './master';
export {
  Authorizer, PERMISSIVE_AUTHORIZER, describeDenial, loadAcls, parseAcls, parseAclsFlag, unenforcedActionsIn,
  type AclAction, type AclDecision, type AclEntity, type AclRule, type Acls,
} from '../../lib/acls';
export { AuthenticationSessions, AUTHENTICATION_TIMEOUT_MS, MAX_PENDING_AUTHENTICATIONS, MAX_PENDING_AUTHENTICATIONS_PER_PEER } from './authentication';
export { MASTER_COUNTERS, MasterCounters, masterCounterKey, masterMetricKind, masterMetricsSource, OWN_MASTER_COUNTERS, OWN_MASTER_PREFIX, type MasterCounter } from './metrics';
export { MetricsProcess } from '../../lib/metrics';
export { REGISTRAR_METRICS } from './registry';
export { Registry, RegistryFencedError, parseRegistry, registryLogPathOf, writeFileAtomically, type RegistryAgent, type RegistryData, type RegistryOperation, type RegistryOptions, type RegistryStore, type StoredRegistry, type UnreachableAgent } from './registry';
export { reconcile, type AgentStanding, type ReconcileRequest, type ReconciliationView } from './reconciliation';
export {
  canonicalJson, frameworkRoles, LaunchParses, launchResources, listedRoles, MAX_ROLES_IN_REASON, validateFrameworkInfo, validateOffers, validateTask, withFrameworkId,
  type OfferFacts, type TaskContext,
} from './validation';
export {
  DEFAULT_ROLE_WEIGHT, DEFAULT_TASKS_LIMIT, SUMMARY_TASK_STATES, checkTasksQuery, renderRoles, renderState, renderStateSummary,
  type RoleQuota, type StateContext, type StateViewer, type TasksPage,
} from './http';
export { MAX_WEIGHTS_PER_REQUEST, parseQuotaRequest, parseWeights, quotaRoleError, type QuotaRequest } from './roles-http';
export { renderResources, renderTask } from '../../lib/state-json';
export { masterStatusUpdate, Reason, type MasterReason, type MasterUpdateFields } from './updates';
export { DEFAULT_MASTER_ACTOR_IDS, startMaster, type MasterActorIds, type MasterHandle, type StartMasterOptions } from './start';
export { ContendingMaster, type ContendingMasterOptions, type ContendingMasterState } from './contend';
export { StandbyMaster } from './standby';
export { DEFAULT_OPERATOR_HEARTBEAT_INTERVAL_MS, MAX_OPERATOR_SUBSCRIBERS, OperatorApi, type MasterEvent, type OperatorPort } from './v1-operator';
export { loadWebUiBundle, MAX_WEBUI_ASSET_FILES, MAX_WEBUI_FILE_BYTES, WEBUI_ACTOR_ID, WEBUI_BUNDLE_DIRECTORY, WebUiActor, type WebUiBundle, type WebUiFile } from './webui';
export { REGISTRY_ZOOKEEPER_PART_BYTES, ZooKeeperRegistryStore } from './registry-zookeeper';
export { masterStartInput, replayMaster, type MasterStartInput, type ReplayMasterOptions } from './replay';

