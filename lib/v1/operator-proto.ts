/**
 * The protobuf wire form of Mesos' v1 operator APIs, the master's (`mesos.v1.master.Call`,
 * `Response`, `Event`) and the agent's (`mesos.v1.agent.Call`, `Response`), as far as this
 * cluster serves them: the messages, field names, numbers, types and enum values a client built
 * on Mesos' own `.proto` files puts on the wire (`include/mesos/v1/master/master.proto`,
 * `v1/agent/agent.proto`, `v1/quota/quota.proto`, and the `mesos.v1` messages of `mesos.proto`
 * that only the operator APIs carry). Written here from those facts, in this project's order.
 *
 * The `mesos.v1` messages the scheduler and executor APIs share with these (ids, `Resource`,
 * `TaskStatus`, `FrameworkInfo`, `AgentInfo`...) are `lib/v1/proto-schema.ts`'s, parsed into the
 * same root: this file declares only what they lack. As there, a message this cluster never
 * writes nor reads is declared as `bytes` under its number (a call holding one is still told
 * apart by its type, and refused by name as its JSON is), and fields no declaration names are
 * skipped on decoding.
 *
 * `lib/v1/protobuf.ts` turns these messages into the v1 JSON the APIs already read and back.
 */

/** The `mesos.v1` messages only the operator APIs carry: `Task`, `Flag`, `Metric`, `Role`, a container's statistics... */
export const V1_OPERATOR_MESOS_PROTO = `
syntax = "proto2";
package mesos.v1;

message Operation {
  optional FrameworkID framework_id = 1;
  optional AgentID agent_id = 2;
  required Offer.Operation info = 3;
  required OperationStatus latest_status = 4;
  repeated OperationStatus statuses = 5;
  required UUID uuid = 6;
}

message Task {
  required string name = 1;
  required TaskID task_id = 2;
  required FrameworkID framework_id = 3;
  optional ExecutorID executor_id = 4;
  required AgentID agent_id = 5;
  required TaskState state = 6;
  repeated Resource resources = 7;
  repeated TaskStatus statuses = 8;
  optional TaskState status_update_state = 9;
  optional bytes status_update_uuid = 10;
  optional Labels labels = 11;
  optional DiscoveryInfo discovery = 12;
  optional bytes container = 13;
  optional string user = 14;
  optional HealthCheck health_check = 15;
  optional KillPolicy kill_policy = 16;
  map<string, Value.Scalar> limits = 17;
}

message Flag {
  required string name = 1;
  optional string value = 2;
}

enum DrainState {
  UNKNOWN = 0;
  DRAINING = 1;
  DRAINED = 2;
}

message DrainConfig {
  optional DurationInfo max_grace_period = 1;
  optional bool mark_gone = 2 [default = false];
}

message DrainInfo {
  required DrainState state = 1;
  required DrainConfig config = 2;
}

message Metric {
  required string name = 1;
  optional double value = 2;
}

message VersionInfo {
  required string version = 1;
  optional string build_date = 2;
  optional double build_time = 3;
  optional string build_user = 4;
  optional string git_sha = 5;
  optional string git_branch = 6;
  optional string git_tag = 7;
}

message FileInfo {
  required string path = 1;
  optional int32 nlink = 2;
  optional uint64 size = 3;
  optional TimeInfo mtime = 4;
  optional uint32 mode = 5;
  optional string uid = 6;
  optional string gid = 7;
}

message Role {
  required string name = 1;
  required double weight = 2;
  repeated FrameworkID frameworks = 3;
  repeated Resource resources = 4;
}

message WeightInfo {
  required double weight = 1;
  optional string role = 2;
}

message ContainerStatus {
  repeated bytes network_infos = 1;
  optional bytes cgroup_info = 2;
  optional uint32 executor_pid = 3;
  optional ContainerID container_id = 4;
}

message ResourceStatistics {
  required double timestamp = 1;
  optional double cpus_user_time_secs = 2;
  optional double cpus_system_time_secs = 3;
  optional double cpus_limit = 4;
  optional uint64 mem_rss_bytes = 5;
  optional uint64 mem_limit_bytes = 6;
  optional uint32 cpus_nr_periods = 7;
  optional uint32 cpus_nr_throttled = 8;
  optional double cpus_throttled_time_secs = 9;
  optional uint64 mem_file_bytes = 10;
  optional uint64 mem_anon_bytes = 11;
  optional uint64 mem_mapped_file_bytes = 12;
  optional bytes perf = 13;
  optional uint64 net_rx_packets = 14;
  optional uint64 net_rx_bytes = 15;
  optional uint64 net_rx_errors = 16;
  optional uint64 net_rx_dropped = 17;
  optional uint64 net_tx_packets = 18;
  optional uint64 net_tx_bytes = 19;
  optional uint64 net_tx_errors = 20;
  optional uint64 net_tx_dropped = 21;
  optional double net_tcp_rtt_microsecs_p50 = 22;
  optional double net_tcp_rtt_microsecs_p90 = 23;
  optional double net_tcp_rtt_microsecs_p95 = 24;
  optional double net_tcp_rtt_microsecs_p99 = 25;
  optional uint64 disk_limit_bytes = 26;
  optional uint64 disk_used_bytes = 27;
  optional double net_tcp_active_connections = 28;
  optional double net_tcp_time_wait_connections = 29;
  optional uint32 processes = 30;
  optional uint32 threads = 31;
  optional uint64 mem_low_pressure_counter = 32;
  optional uint64 mem_medium_pressure_counter = 33;
  optional uint64 mem_critical_pressure_counter = 34;
  repeated bytes net_traffic_control_statistics = 35;
  optional uint64 mem_total_bytes = 36;
  optional uint64 mem_total_memsw_bytes = 37;
  optional uint64 mem_soft_limit_bytes = 38;
  optional uint64 mem_cache_bytes = 39;
  optional uint64 mem_swap_bytes = 40;
  optional uint64 mem_unevictable_bytes = 41;
  optional bytes net_snmp_statistics = 42;
  repeated bytes disk_statistics = 43;
  optional bytes blkio_statistics = 44;
  optional double cpus_soft_limit = 45;
  optional uint64 net_tx_rate_limit = 46;
  optional uint64 net_tx_burst_rate_limit = 47;
  optional uint64 net_tx_burst_size = 48;
  optional uint64 net_rx_rate_limit = 49;
  optional uint64 net_rx_burst_rate_limit = 50;
  optional uint64 net_rx_burst_size = 51;
  optional uint64 mem_kmem_usage_bytes = 52;
  optional uint64 mem_kmem_tcp_usage_bytes = 53;
  optional bytes net_rate_statistics = 54;
  optional Value.Range net_ephemeral_ports = 55;
}
`;

/** The quota package's messages (`mesos.v1.quota.QuotaConfig`: UPDATE_QUOTA's and GET_QUOTA's). */
export const V1_QUOTA_PROTO = `
syntax = "proto2";
package mesos.v1.quota;

message QuotaInfo {
  optional string role = 1;
  optional string principal = 2;
  repeated mesos.v1.Resource guarantee = 3;
}

message QuotaConfig {
  required string role = 1;
  map<string, mesos.v1.Value.Scalar> guarantees = 2;
  map<string, mesos.v1.Value.Scalar> limits = 3;
}

message QuotaRequest {
  optional bool force = 1;
  optional string role = 2;
  repeated mesos.v1.Resource guarantee = 3;
}

message QuotaStatus {
  repeated QuotaInfo infos = 1;
  repeated QuotaConfig configs = 2;
}
`;

/** The allocator package's message the maintenance status carries (`mesos.v1.allocator.InverseOfferStatus`). */
export const V1_ALLOCATOR_PROTO = `
syntax = "proto2";
package mesos.v1.allocator;

message InverseOfferStatus {
  enum Status {
    UNKNOWN = 1;
    ACCEPT = 2;
    DECLINE = 3;
  }
  required Status status = 1;
  required mesos.v1.FrameworkID framework_id = 2;
  required mesos.v1.TimeInfo timestamp = 3;
}
`;

/** The maintenance package's messages (`mesos.v1.maintenance`: the schedule and the cluster's status). */
export const V1_MAINTENANCE_PROTO = `
syntax = "proto2";
package mesos.v1.maintenance;

message Window {
  repeated mesos.v1.MachineID machine_ids = 1;
  required mesos.v1.Unavailability unavailability = 2;
}

message Schedule { repeated Window windows = 1; }

message ClusterStatus {
  message DrainingMachine {
    required mesos.v1.MachineID id = 1;
    repeated mesos.v1.allocator.InverseOfferStatus statuses = 2;
  }
  repeated DrainingMachine draining_machines = 1;
  repeated mesos.v1.MachineID down_machines = 2;
}
`;

/** The master's operator API (`POST /api/v1` on a master): its `Call`, `Response` and `Event`. */
export const V1_MASTER_PROTO = `
syntax = "proto2";
package mesos.v1.master;

message Call {
  enum Type {
    UNKNOWN = 0;
    GET_HEALTH = 1;
    GET_FLAGS = 2;
    GET_VERSION = 3;
    GET_METRICS = 4;
    GET_LOGGING_LEVEL = 5;
    SET_LOGGING_LEVEL = 6;
    LIST_FILES = 7;
    READ_FILE = 8;
    GET_STATE = 9;
    GET_AGENTS = 10;
    GET_FRAMEWORKS = 11;
    GET_EXECUTORS = 12;
    GET_TASKS = 13;
    GET_ROLES = 14;
    GET_WEIGHTS = 15;
    UPDATE_WEIGHTS = 16;
    GET_MASTER = 17;
    SUBSCRIBE = 18;
    RESERVE_RESOURCES = 19;
    UNRESERVE_RESOURCES = 20;
    CREATE_VOLUMES = 21;
    DESTROY_VOLUMES = 22;
    GET_MAINTENANCE_STATUS = 23;
    GET_MAINTENANCE_SCHEDULE = 24;
    UPDATE_MAINTENANCE_SCHEDULE = 25;
    START_MAINTENANCE = 26;
    STOP_MAINTENANCE = 27;
    GET_QUOTA = 28;
    SET_QUOTA = 29;
    REMOVE_QUOTA = 30;
    TEARDOWN = 31;
    MARK_AGENT_GONE = 32;
    GET_OPERATIONS = 33;
    GROW_VOLUME = 34;
    SHRINK_VOLUME = 35;
    UPDATE_QUOTA = 36;
    DRAIN_AGENT = 37;
    DEACTIVATE_AGENT = 38;
    REACTIVATE_AGENT = 39;
  }
  message GetMetrics { optional mesos.v1.DurationInfo timeout = 1; }
  message SetLoggingLevel { required uint32 level = 1; required mesos.v1.DurationInfo duration = 2; }
  message ListFiles { required string path = 1; }
  message ReadFile {
    required string path = 1;
    required uint64 offset = 2;
    optional uint64 length = 3;
  }
  message UpdateWeights { repeated mesos.v1.WeightInfo weight_infos = 1; }
  message ReserveResources {
    required mesos.v1.AgentID agent_id = 1;
    repeated mesos.v1.Resource resources = 2;
    repeated mesos.v1.Resource source = 3;
  }
  message UnreserveResources {
    required mesos.v1.AgentID agent_id = 1;
    repeated mesos.v1.Resource resources = 2;
  }
  message CreateVolumes {
    required mesos.v1.AgentID agent_id = 1;
    repeated mesos.v1.Resource volumes = 2;
  }
  message DestroyVolumes {
    required mesos.v1.AgentID agent_id = 1;
    repeated mesos.v1.Resource volumes = 2;
  }
  message UpdateQuota {
    optional bool force = 1;
    repeated mesos.v1.quota.QuotaConfig quota_configs = 2;
  }
  message GrowVolume {
    optional mesos.v1.AgentID agent_id = 1;
    required mesos.v1.Resource volume = 2;
    required mesos.v1.Resource addition = 3;
  }
  message ShrinkVolume {
    optional mesos.v1.AgentID agent_id = 1;
    required mesos.v1.Resource volume = 2;
    required mesos.v1.Value.Scalar subtract = 3;
  }
  message Teardown { required mesos.v1.FrameworkID framework_id = 1; }
  message MarkAgentGone { required mesos.v1.AgentID agent_id = 1; }
  // google.protobuf.Duration, declared here under its wire form (DrainAgent's max_grace_period).
  message Duration {
    optional int64 seconds = 1;
    optional int32 nanos = 2;
  }
  message DrainAgent {
    required mesos.v1.AgentID agent_id = 1;
    optional Duration max_grace_period = 2;
    optional bool mark_gone = 3 [default = false];
  }
  message DeactivateAgent { required mesos.v1.AgentID agent_id = 1; }
  message ReactivateAgent { required mesos.v1.AgentID agent_id = 1; }
  message UpdateMaintenanceSchedule { required mesos.v1.maintenance.Schedule schedule = 1; }
  message StartMaintenance { repeated mesos.v1.MachineID machines = 1; }
  message StopMaintenance { repeated mesos.v1.MachineID machines = 1; }
  message SetQuota { required mesos.v1.quota.QuotaRequest quota_request = 1; }
  message RemoveQuota { required string role = 1; }
  optional Type type = 1;
  optional GetMetrics get_metrics = 2;
  optional SetLoggingLevel set_logging_level = 3;
  optional ListFiles list_files = 4;
  optional ReadFile read_file = 5;
  optional UpdateWeights update_weights = 6;
  optional ReserveResources reserve_resources = 7;
  optional UnreserveResources unreserve_resources = 8;
  optional CreateVolumes create_volumes = 9;
  optional DestroyVolumes destroy_volumes = 10;
  optional UpdateMaintenanceSchedule update_maintenance_schedule = 11;
  optional StartMaintenance start_maintenance = 12;
  optional StopMaintenance stop_maintenance = 13;
  optional SetQuota set_quota = 14;
  optional RemoveQuota remove_quota = 15;
  optional Teardown teardown = 16;
  optional MarkAgentGone mark_agent_gone = 17;
  optional GrowVolume grow_volume = 18;
  optional ShrinkVolume shrink_volume = 19;
  optional UpdateQuota update_quota = 20;
  optional DrainAgent drain_agent = 21;
  optional DeactivateAgent deactivate_agent = 22;
  optional ReactivateAgent reactivate_agent = 23;
}

message Response {
  enum Type {
    UNKNOWN = 0;
    GET_HEALTH = 1;
    GET_FLAGS = 2;
    GET_VERSION = 3;
    GET_METRICS = 4;
    GET_LOGGING_LEVEL = 5;
    LIST_FILES = 6;
    READ_FILE = 7;
    GET_STATE = 8;
    GET_AGENTS = 9;
    GET_FRAMEWORKS = 10;
    GET_EXECUTORS = 11;
    GET_TASKS = 12;
    GET_ROLES = 13;
    GET_WEIGHTS = 14;
    GET_MASTER = 15;
    GET_MAINTENANCE_STATUS = 16;
    GET_MAINTENANCE_SCHEDULE = 17;
    GET_QUOTA = 18;
    GET_OPERATIONS = 19;
  }
  message GetHealth { required bool healthy = 1; }
  message GetFlags { repeated mesos.v1.Flag flags = 1; }
  message GetVersion { required mesos.v1.VersionInfo version_info = 1; }
  message GetMetrics { repeated mesos.v1.Metric metrics = 1; }
  message GetLoggingLevel { required uint32 level = 1; }
  message ListFiles { repeated mesos.v1.FileInfo file_infos = 1; }
  message ReadFile {
    required uint64 size = 1;
    required bytes data = 2;
  }
  message GetState {
    optional GetTasks get_tasks = 1;
    optional GetExecutors get_executors = 2;
    optional GetFrameworks get_frameworks = 3;
    optional GetAgents get_agents = 4;
  }
  message GetAgents {
    message Agent {
      required mesos.v1.AgentInfo agent_info = 1;
      required bool active = 2;
      required string version = 3;
      optional string pid = 4;
      optional mesos.v1.TimeInfo registered_time = 5;
      optional mesos.v1.TimeInfo reregistered_time = 6;
      repeated mesos.v1.Resource total_resources = 7;
      repeated mesos.v1.Resource allocated_resources = 8;
      repeated mesos.v1.Resource offered_resources = 9;
      repeated mesos.v1.AgentInfo.Capability capabilities = 10;
      repeated bytes resource_providers = 11;
      optional bool deactivated = 12;
      optional mesos.v1.DrainInfo drain_info = 13;
      optional mesos.v1.TimeInfo estimated_drain_start_time = 14;
    }
    repeated Agent agents = 1;
    repeated mesos.v1.AgentInfo recovered_agents = 2;
  }
  message GetFrameworks {
    message Framework {
      required mesos.v1.FrameworkInfo framework_info = 1;
      required bool active = 2;
      required bool connected = 3;
      optional mesos.v1.TimeInfo registered_time = 4;
      optional mesos.v1.TimeInfo reregistered_time = 5;
      optional mesos.v1.TimeInfo unregistered_time = 6;
      repeated mesos.v1.Offer offers = 7;
      repeated mesos.v1.InverseOffer inverse_offers = 8;
      repeated mesos.v1.Resource allocated_resources = 9;
      repeated mesos.v1.Resource offered_resources = 10;
      required bool recovered = 11;
      optional bytes offer_constraints = 12;
    }
    repeated Framework frameworks = 1;
    repeated Framework completed_frameworks = 2;
    repeated mesos.v1.FrameworkInfo recovered_frameworks = 3;
  }
  message GetExecutors {
    message Executor {
      required mesos.v1.ExecutorInfo executor_info = 1;
      required mesos.v1.AgentID agent_id = 2;
    }
    repeated Executor executors = 1;
    repeated Executor orphan_executors = 2;
  }
  message GetTasks {
    repeated mesos.v1.Task pending_tasks = 1;
    repeated mesos.v1.Task tasks = 2;
    repeated mesos.v1.Task completed_tasks = 3;
    repeated mesos.v1.Task orphan_tasks = 4;
    repeated mesos.v1.Task unreachable_tasks = 5;
  }
  message GetRoles { repeated mesos.v1.Role roles = 1; }
  message GetOperations { repeated mesos.v1.Operation operations = 1; }
  message GetWeights { repeated mesos.v1.WeightInfo weight_infos = 1; }
  message GetMaster {
    optional mesos.v1.MasterInfo master_info = 1;
    optional double start_time = 2;
    optional double elected_time = 3;
  }
  message GetQuota { required mesos.v1.quota.QuotaStatus status = 1; }
  message GetMaintenanceStatus { required mesos.v1.maintenance.ClusterStatus status = 1; }
  message GetMaintenanceSchedule { required mesos.v1.maintenance.Schedule schedule = 1; }
  optional Type type = 1;
  optional GetHealth get_health = 2;
  optional GetFlags get_flags = 3;
  optional GetVersion get_version = 4;
  optional GetMetrics get_metrics = 5;
  optional GetLoggingLevel get_logging_level = 6;
  optional ListFiles list_files = 7;
  optional ReadFile read_file = 8;
  optional GetState get_state = 9;
  optional GetAgents get_agents = 10;
  optional GetFrameworks get_frameworks = 11;
  optional GetExecutors get_executors = 12;
  optional GetTasks get_tasks = 13;
  optional GetRoles get_roles = 14;
  optional GetWeights get_weights = 15;
  optional GetMaster get_master = 16;
  optional GetMaintenanceStatus get_maintenance_status = 17;
  optional GetMaintenanceSchedule get_maintenance_schedule = 18;
  optional GetQuota get_quota = 19;
  optional GetOperations get_operations = 20;
}

message Event {
  enum Type {
    UNKNOWN = 0;
    SUBSCRIBED = 1;
    TASK_ADDED = 2;
    TASK_UPDATED = 3;
    AGENT_ADDED = 4;
    AGENT_REMOVED = 5;
    FRAMEWORK_ADDED = 6;
    FRAMEWORK_UPDATED = 7;
    FRAMEWORK_REMOVED = 8;
    HEARTBEAT = 9;
  }
  message Subscribed {
    optional Response.GetState get_state = 1;
    optional double heartbeat_interval_seconds = 2;
  }
  message TaskAdded { required mesos.v1.Task task = 1; }
  message TaskUpdated {
    required mesos.v1.FrameworkID framework_id = 1;
    required mesos.v1.TaskStatus status = 2;
    required mesos.v1.TaskState state = 3;
  }
  message FrameworkAdded { required Response.GetFrameworks.Framework framework = 1; }
  message FrameworkUpdated { required Response.GetFrameworks.Framework framework = 1; }
  message FrameworkRemoved { required mesos.v1.FrameworkInfo framework_info = 1; }
  message AgentAdded { required Response.GetAgents.Agent agent = 1; }
  message AgentRemoved { required mesos.v1.AgentID agent_id = 1; }
  optional Type type = 1;
  optional Subscribed subscribed = 2;
  optional TaskAdded task_added = 3;
  optional TaskUpdated task_updated = 4;
  optional AgentAdded agent_added = 5;
  optional AgentRemoved agent_removed = 6;
  optional FrameworkAdded framework_added = 7;
  optional FrameworkUpdated framework_updated = 8;
  optional FrameworkRemoved framework_removed = 9;
}
`;

/** The agent's operator API (`POST /api/v1` on an agent): its `Call` and `Response`. */
export const V1_AGENT_PROTO = `
syntax = "proto2";
package mesos.v1.agent;

message Call {
  enum Type {
    UNKNOWN = 0;
    GET_HEALTH = 1;
    GET_FLAGS = 2;
    GET_VERSION = 3;
    GET_METRICS = 4;
    GET_LOGGING_LEVEL = 5;
    SET_LOGGING_LEVEL = 6;
    LIST_FILES = 7;
    READ_FILE = 8;
    GET_STATE = 9;
    GET_CONTAINERS = 10;
    GET_FRAMEWORKS = 11;
    GET_EXECUTORS = 12;
    GET_TASKS = 13;
    LAUNCH_NESTED_CONTAINER = 14;
    WAIT_NESTED_CONTAINER = 15;
    KILL_NESTED_CONTAINER = 16;
    LAUNCH_NESTED_CONTAINER_SESSION = 17;
    ATTACH_CONTAINER_INPUT = 18;
    ATTACH_CONTAINER_OUTPUT = 19;
    GET_AGENT = 20;
    REMOVE_NESTED_CONTAINER = 21;
    LAUNCH_CONTAINER = 22;
    WAIT_CONTAINER = 23;
    KILL_CONTAINER = 24;
    REMOVE_CONTAINER = 25;
    GET_RESOURCE_PROVIDERS = 26;
    ADD_RESOURCE_PROVIDER_CONFIG = 27;
    UPDATE_RESOURCE_PROVIDER_CONFIG = 28;
    REMOVE_RESOURCE_PROVIDER_CONFIG = 29;
    PRUNE_IMAGES = 30;
    GET_OPERATIONS = 31;
    MARK_RESOURCE_PROVIDER_GONE = 32;
  }
  message GetMetrics { optional mesos.v1.DurationInfo timeout = 1; }
  message SetLoggingLevel { required uint32 level = 1; required mesos.v1.DurationInfo duration = 2; }
  message ListFiles { required string path = 1; }
  message ReadFile {
    required string path = 1;
    required uint64 offset = 2;
    optional uint64 length = 3;
  }
  message GetContainers {
    optional bool show_nested = 1;
    optional bool show_standalone = 2;
  }
  message WaitContainer { required mesos.v1.ContainerID container_id = 1; }
  message KillContainer {
    required mesos.v1.ContainerID container_id = 1;
    optional int32 signal = 2;
  }
  optional Type type = 1;
  optional GetMetrics get_metrics = 2;
  optional SetLoggingLevel set_logging_level = 3;
  optional ListFiles list_files = 4;
  optional ReadFile read_file = 5;
  optional bytes launch_nested_container = 6;
  optional bytes wait_nested_container = 7;
  optional bytes kill_nested_container = 8;
  optional bytes launch_nested_container_session = 9;
  optional bytes attach_container_input = 10;
  optional bytes attach_container_output = 11;
  optional bytes remove_nested_container = 12;
  optional bytes launch_container = 13;
  optional WaitContainer wait_container = 14;
  optional KillContainer kill_container = 15;
  optional bytes remove_container = 16;
  optional bytes add_resource_provider_config = 17;
  optional bytes update_resource_provider_config = 18;
  optional bytes remove_resource_provider_config = 19;
  optional GetContainers get_containers = 20;
  optional bytes prune_images = 21;
  optional bytes mark_resource_provider_gone = 22;
}

message Response {
  enum Type {
    UNKNOWN = 0;
    GET_HEALTH = 1;
    GET_FLAGS = 2;
    GET_VERSION = 3;
    GET_METRICS = 4;
    GET_LOGGING_LEVEL = 5;
    LIST_FILES = 6;
    READ_FILE = 7;
    GET_STATE = 8;
    GET_CONTAINERS = 9;
    GET_FRAMEWORKS = 10;
    GET_EXECUTORS = 11;
    GET_TASKS = 12;
    WAIT_NESTED_CONTAINER = 13;
    GET_AGENT = 14;
    WAIT_CONTAINER = 15;
    GET_RESOURCE_PROVIDERS = 16;
    GET_OPERATIONS = 17;
  }
  message GetHealth { required bool healthy = 1; }
  message GetFlags { repeated mesos.v1.Flag flags = 1; }
  message GetVersion { required mesos.v1.VersionInfo version_info = 1; }
  message GetMetrics { repeated mesos.v1.Metric metrics = 1; }
  message GetLoggingLevel { required uint32 level = 1; }
  message ListFiles { repeated mesos.v1.FileInfo file_infos = 1; }
  message ReadFile {
    required uint64 size = 1;
    required bytes data = 2;
  }
  message GetState {
    optional GetTasks get_tasks = 1;
    optional GetExecutors get_executors = 2;
    optional GetFrameworks get_frameworks = 3;
  }
  message GetContainers {
    message Container {
      optional mesos.v1.FrameworkID framework_id = 1;
      optional mesos.v1.ExecutorID executor_id = 2;
      optional string executor_name = 3;
      required mesos.v1.ContainerID container_id = 4;
      optional mesos.v1.ContainerStatus container_status = 5;
      optional mesos.v1.ResourceStatistics resource_statistics = 6;
    }
    repeated Container containers = 1;
  }
  message GetFrameworks {
    message Framework { required mesos.v1.FrameworkInfo framework_info = 1; }
    repeated Framework frameworks = 1;
    repeated Framework completed_frameworks = 2;
  }
  message GetExecutors {
    message Executor { required mesos.v1.ExecutorInfo executor_info = 1; }
    repeated Executor executors = 1;
    repeated Executor completed_executors = 2;
  }
  message GetTasks {
    repeated mesos.v1.Task pending_tasks = 1;
    repeated mesos.v1.Task queued_tasks = 2;
    repeated mesos.v1.Task launched_tasks = 3;
    repeated mesos.v1.Task terminated_tasks = 4;
    repeated mesos.v1.Task completed_tasks = 5;
  }
  message GetOperations { repeated mesos.v1.Operation operations = 1; }
  message GetAgent {
    optional mesos.v1.AgentInfo agent_info = 1;
    optional mesos.v1.DrainConfig drain_config = 2;
    optional mesos.v1.TimeInfo estimated_drain_start_time = 3;
  }
  // This agent has no resource provider: the list is always empty (Mesos' ResourceProvider messages are never written).
  message GetResourceProviders { repeated bytes resource_providers = 1; }
  message WaitContainer {
    optional int32 exit_status = 1;
    optional mesos.v1.TaskState state = 2;
    optional mesos.v1.TaskStatus.Reason reason = 3;
    optional mesos.v1.TaskResourceLimitation limitation = 4;
    optional string message = 5;
  }
  optional Type type = 1;
  optional GetHealth get_health = 2;
  optional GetFlags get_flags = 3;
  optional GetVersion get_version = 4;
  optional GetMetrics get_metrics = 5;
  optional GetLoggingLevel get_logging_level = 6;
  optional ListFiles list_files = 7;
  optional ReadFile read_file = 8;
  optional GetState get_state = 9;
  optional GetContainers get_containers = 10;
  optional GetFrameworks get_frameworks = 11;
  optional GetExecutors get_executors = 12;
  optional GetTasks get_tasks = 13;
  optional bytes wait_nested_container = 14;
  optional GetAgent get_agent = 15;
  optional WaitContainer wait_container = 16;
  optional GetResourceProviders get_resource_providers = 17;
  optional GetOperations get_operations = 18;
}
`;
