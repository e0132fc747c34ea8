/**
 * The protobuf wire form of Mesos' v1 scheduler and executor APIs, as far as this cluster serves
 * them: the messages, field names, numbers, types and enum values a client built on Mesos' own
 * `.proto` files puts on the wire (`include/mesos/v1/mesos.proto`, `v1/scheduler/scheduler.proto`
 * and `v1/executor/executor.proto`). Written here from those facts, in this project's order and
 * without Mesos' documentation, and limited to what the two APIs' calls and events carry.
 *
 * What this cluster does not serve is still declared where a client could send it, so that a
 * protobuf call holding it is refused by name exactly as the same call in JSON is (a task's
 * `container`, a disk's `source`, `offer_constraints`...): a message this cluster never reads
 * is declared as `bytes` under its number, which keeps its presence and nothing of its content.
 * A persistent volume's `DiskInfo` is declared whole; its `source` and its volume's `host_path`,
 * `image` and `source` come through to the resource parser, which refuses them by name.
 * A field no declaration names is skipped on decoding, as protobuf does, and as the JSON form
 * ignores unknown fields.
 *
 * `lib/v1/protobuf.ts` turns these messages into the v1 JSON the API already reads and back.
 */
export const V1_MESOS_PROTO = `
syntax = "proto2";
package mesos.v1;

message FrameworkID { required string value = 1; }
message OfferID { required string value = 1; }
message AgentID { required string value = 1; }
message TaskID { required string value = 1; }
message ExecutorID { required string value = 1; }
message ResourceProviderID { required string value = 1; }
message OperationID { required string value = 1; }
message TimeInfo { required int64 nanoseconds = 1; }
message DurationInfo { required int64 nanoseconds = 1; }

message Address {
  optional string hostname = 1;
  optional string ip = 2;
  required int32 port = 3;
}

message Parameter {
  required string key = 1;
  required string value = 2;
}

message URL {
  required string scheme = 1;
  required Address address = 2;
  optional string path = 3;
  repeated Parameter query = 4;
  optional string fragment = 5;
}

message Label {
  required string key = 1;
  optional string value = 2;
}

message Labels { repeated Label labels = 1; }

message Value {
  enum Type {
    SCALAR = 0;
    RANGES = 1;
    SET = 2;
    TEXT = 3;
  }
  message Scalar { required double value = 1; }
  message Range {
    required uint64 begin = 1;
    required uint64 end = 2;
  }
  message Ranges { repeated Range range = 1; }
  message Set { repeated string item = 1; }
  message Text { required string value = 1; }
  required Type type = 1;
  optional Scalar scalar = 2;
  optional Ranges ranges = 3;
  optional Set set = 4;
  optional Text text = 5;
}

message Attribute {
  required string name = 1;
  required Value.Type type = 2;
  optional Value.Scalar scalar = 3;
  optional Value.Ranges ranges = 4;
  optional Value.Text text = 5;
  optional Value.Set set = 6;
}

message Volume {
  enum Mode {
    RW = 1;
    RO = 2;
  }
  required string container_path = 1;
  optional string host_path = 2;
  required Mode mode = 3;
  optional bytes image = 4;
  optional bytes source = 5;
}

message Resource {
  message AllocationInfo { optional string role = 1; }
  message ReservationInfo {
    enum Type {
      UNKNOWN = 0;
      STATIC = 1;
      DYNAMIC = 2;
    }
    optional string principal = 1;
    optional Labels labels = 2;
    optional string role = 3;
    optional Type type = 4;
  }
  message DiskInfo {
    message Persistence {
      required string id = 1;
      optional string principal = 2;
    }
    optional Persistence persistence = 1;
    optional Volume volume = 2;
    optional bytes source = 3;
  }
  required string name = 1;
  required Value.Type type = 2;
  optional Value.Scalar scalar = 3;
  optional Value.Ranges ranges = 4;
  optional Value.Set set = 5;
  optional string role = 6;
  optional DiskInfo disk = 7;
  optional ReservationInfo reservation = 8;
  optional bytes revocable = 9;
  optional bytes shared = 10;
  optional AllocationInfo allocation_info = 11;
  optional ResourceProviderID provider_id = 12;
  repeated ReservationInfo reservations = 13;
}

message OfferFilters {
  message ResourceQuantities { map<string, Value.Scalar> quantities = 1; }
  message MinAllocatableResources { repeated ResourceQuantities quantities = 1; }
  optional MinAllocatableResources min_allocatable_resources = 1;
}

message FrameworkInfo {
  message Capability {
    enum Type {
      UNKNOWN = 0;
      REVOCABLE_RESOURCES = 1;
      TASK_KILLING_STATE = 2;
      GPU_RESOURCES = 3;
      SHARED_RESOURCES = 4;
      PARTITION_AWARE = 5;
      MULTI_ROLE = 6;
      RESERVATION_REFINEMENT = 7;
      REGION_AWARE = 8;
    }
    optional Type type = 1;
  }
  required string user = 1;
  required string name = 2;
  optional FrameworkID id = 3;
  optional double failover_timeout = 4;
  optional bool checkpoint = 5;
  optional string role = 6;
  optional string hostname = 7;
  optional string principal = 8;
  optional string webui_url = 9;
  repeated Capability capabilities = 10;
  optional Labels labels = 11;
  repeated string roles = 12;
  map<string, OfferFilters> offer_filters = 13;
}

message Environment {
  message Variable {
    enum Type {
      UNKNOWN = 0;
      VALUE = 1;
      SECRET = 2;
    }
    required string name = 1;
    optional string value = 2;
    optional Type type = 3;
    optional bytes secret = 4;
  }
  repeated Variable variables = 1;
}

message CommandInfo {
  message URI {
    optional string value = 1;
    optional bool executable = 2;
    optional bool extract = 3;
    optional bool cache = 4;
    optional string output_file = 5;
  }
  repeated URI uris = 1;
  optional Environment environment = 2;
  optional string value = 3;
  optional string user = 5;
  optional bool shell = 6;
  repeated string arguments = 7;
}

message NetworkInfo {
  enum Protocol {
    IPv4 = 1;
    IPv6 = 2;
  }
}

message HealthCheck {
  enum Type {
    UNKNOWN = 0;
    COMMAND = 1;
    HTTP = 2;
    TCP = 3;
  }
  message HTTPCheckInfo {
    required uint32 port = 1;
    optional string path = 2;
    optional string scheme = 3;
    repeated uint32 statuses = 4;
    optional NetworkInfo.Protocol protocol = 5;
  }
  message TCPCheckInfo {
    required uint32 port = 1;
    optional NetworkInfo.Protocol protocol = 2;
  }
  optional HTTPCheckInfo http = 1;
  optional double delay_seconds = 2;
  optional double interval_seconds = 3;
  optional double timeout_seconds = 4;
  optional uint32 consecutive_failures = 5;
  optional double grace_period_seconds = 6;
  optional CommandInfo command = 7;
  optional Type type = 8;
  optional TCPCheckInfo tcp = 9;
}

message CheckInfo {
  enum Type {
    UNKNOWN = 0;
    COMMAND = 1;
    HTTP = 2;
    TCP = 3;
  }
  message Command { required CommandInfo command = 1; }
  message Http {
    required uint32 port = 1;
    optional string path = 2;
  }
  message Tcp { required uint32 port = 1; }
  optional Type type = 1;
  optional Command command = 2;
  optional Http http = 3;
  optional double delay_seconds = 4;
  optional double interval_seconds = 5;
  optional double timeout_seconds = 6;
  optional Tcp tcp = 7;
}

message CheckStatusInfo {
  message Command { optional int32 exit_code = 1; }
  message Http { optional uint32 status_code = 1; }
  message Tcp { optional bool succeeded = 1; }
  optional CheckInfo.Type type = 1;
  optional Command command = 2;
  optional Http http = 3;
  optional Tcp tcp = 4;
}

message KillPolicy { optional DurationInfo grace_period = 1; }

message Port {
  required uint32 number = 1;
  optional string name = 2;
  optional string protocol = 3;
  optional DiscoveryInfo.Visibility visibility = 4;
  optional Labels labels = 5;
}

message Ports { repeated Port ports = 1; }

message DiscoveryInfo {
  enum Visibility {
    FRAMEWORK = 0;
    CLUSTER = 1;
    EXTERNAL = 2;
  }
  required Visibility visibility = 1;
  optional string name = 2;
  optional string environment = 3;
  optional string location = 4;
  optional string version = 5;
  optional Ports ports = 6;
  optional Labels labels = 7;
}

message ExecutorInfo {
  enum Type {
    UNKNOWN = 0;
    DEFAULT = 1;
    CUSTOM = 2;
  }
  required ExecutorID executor_id = 1;
  optional bytes data = 4;
  repeated Resource resources = 5;
  optional CommandInfo command = 7;
  optional FrameworkID framework_id = 8;
  optional string name = 9;
  optional string source = 10;
  optional bytes container = 11;
  optional DiscoveryInfo discovery = 12;
  optional DurationInfo shutdown_grace_period = 13;
  optional Labels labels = 14;
  optional Type type = 15;
}

message TaskInfo {
  required string name = 1;
  required TaskID task_id = 2;
  required AgentID agent_id = 3;
  repeated Resource resources = 4;
  optional ExecutorInfo executor = 5;
  optional bytes data = 6;
  optional CommandInfo command = 7;
  optional HealthCheck health_check = 8;
  optional bytes container = 9;
  optional Labels labels = 10;
  optional DiscoveryInfo discovery = 11;
  optional KillPolicy kill_policy = 12;
  optional CheckInfo check = 13;
  optional DurationInfo max_completion_time = 14;
  map<string, Value.Scalar> limits = 15;
}

message TaskGroupInfo { repeated TaskInfo tasks = 1; }

message DomainInfo {
  message FaultDomain {
    message RegionInfo { required string name = 1; }
    message ZoneInfo { required string name = 1; }
    required RegionInfo region = 1;
    required ZoneInfo zone = 2;
  }
  optional FaultDomain fault_domain = 1;
}

message MasterInfo {
  message Capability {
    enum Type {
      UNKNOWN = 0;
      AGENT_UPDATE = 1;
      AGENT_DRAINING = 2;
      QUOTA_V2 = 3;
    }
    optional Type type = 1;
  }
  required string id = 1;
  required uint32 ip = 2;
  required uint32 port = 3;
  optional string pid = 4;
  optional string hostname = 5;
  optional string version = 6;
  optional Address address = 7;
  optional DomainInfo domain = 8;
  repeated Capability capabilities = 9;
}

message Offer {
  message Operation {
    enum Type {
      UNKNOWN = 0;
      LAUNCH = 1;
      RESERVE = 2;
      UNRESERVE = 3;
      CREATE = 4;
      DESTROY = 5;
      LAUNCH_GROUP = 6;
      GROW_VOLUME = 11;
      SHRINK_VOLUME = 12;
      CREATE_DISK = 13;
      DESTROY_DISK = 14;
    }
    message Launch { repeated TaskInfo task_infos = 1; }
    message LaunchGroup {
      required ExecutorInfo executor = 1;
      required TaskGroupInfo task_group = 2;
    }
    message Reserve {
      repeated Resource resources = 1;
      repeated bytes source = 2;
    }
    message Unreserve { repeated Resource resources = 1; }
    message Create { repeated Resource volumes = 1; }
    message Destroy { repeated Resource volumes = 1; }
    message GrowVolume {
      required Resource volume = 1;
      required Resource addition = 2;
    }
    message ShrinkVolume {
      required Resource volume = 1;
      required Value.Scalar subtract = 2;
    }
    optional Type type = 1;
    optional Launch launch = 2;
    optional Reserve reserve = 3;
    optional Unreserve unreserve = 4;
    optional Create create = 5;
    optional Destroy destroy = 6;
    optional LaunchGroup launch_group = 7;
    optional OperationID id = 12;
    optional GrowVolume grow_volume = 13;
    optional ShrinkVolume shrink_volume = 14;
    optional bytes create_disk = 15;
    optional bytes destroy_disk = 16;
  }
  required OfferID id = 1;
  required FrameworkID framework_id = 2;
  required AgentID agent_id = 3;
  required string hostname = 4;
  repeated Resource resources = 5;
  repeated ExecutorID executor_ids = 6;
  repeated Attribute attributes = 7;
  optional URL url = 8;
  optional Unavailability unavailability = 9;
  optional Resource.AllocationInfo allocation_info = 10;
  optional DomainInfo domain = 11;
}

message Unavailability {
  required TimeInfo start = 1;
  optional DurationInfo duration = 2;
}

message MachineID {
  optional string hostname = 1;
  optional string ip = 2;
}

message InverseOffer {
  required OfferID id = 1;
  optional URL url = 2;
  required FrameworkID framework_id = 3;
  optional AgentID agent_id = 4;
  required Unavailability unavailability = 5;
  repeated Resource resources = 6;
}

enum OperationState {
  OPERATION_UNSUPPORTED = 0;
  OPERATION_PENDING = 1;
  OPERATION_FINISHED = 2;
  OPERATION_FAILED = 3;
  OPERATION_ERROR = 4;
  OPERATION_DROPPED = 5;
  OPERATION_UNREACHABLE = 6;
  OPERATION_GONE_BY_OPERATOR = 7;
  OPERATION_RECOVERING = 8;
  OPERATION_UNKNOWN = 9;
}

message UUID { required bytes value = 1; }

message OperationStatus {
  optional OperationID operation_id = 1;
  required OperationState state = 2;
  optional string message = 3;
  repeated Resource converted_resources = 4;
  optional UUID uuid = 5;
  optional AgentID agent_id = 6;
  optional ResourceProviderID resource_provider_id = 7;
}

enum TaskState {
  TASK_STARTING = 0;
  TASK_RUNNING = 1;
  TASK_FINISHED = 2;
  TASK_FAILED = 3;
  TASK_KILLED = 4;
  TASK_LOST = 5;
  TASK_STAGING = 6;
  TASK_ERROR = 7;
  TASK_KILLING = 8;
  TASK_DROPPED = 9;
  TASK_UNREACHABLE = 10;
  TASK_GONE = 11;
  TASK_GONE_BY_OPERATOR = 12;
  TASK_UNKNOWN = 13;
}

message TaskResourceLimitation { repeated Resource resources = 1; }

message TaskStatus {
  enum Source {
    SOURCE_MASTER = 0;
    SOURCE_AGENT = 1;
    SOURCE_EXECUTOR = 2;
  }
  enum Reason {
    REASON_COMMAND_EXECUTOR_FAILED = 0;
    REASON_EXECUTOR_TERMINATED = 1;
    REASON_EXECUTOR_UNREGISTERED = 2;
    REASON_FRAMEWORK_REMOVED = 3;
    REASON_GC_ERROR = 4;
    REASON_INVALID_FRAMEWORKID = 5;
    REASON_INVALID_OFFERS = 6;
    REASON_MASTER_DISCONNECTED = 7;
    REASON_CONTAINER_LIMITATION_MEMORY = 8;
    REASON_RECONCILIATION = 9;
    REASON_AGENT_DISCONNECTED = 10;
    REASON_AGENT_REMOVED = 11;
    REASON_AGENT_RESTARTED = 12;
    REASON_AGENT_UNKNOWN = 13;
    REASON_TASK_INVALID = 14;
    REASON_TASK_UNAUTHORIZED = 15;
    REASON_TASK_UNKNOWN = 16;
    REASON_CONTAINER_PREEMPTED = 17;
    REASON_RESOURCES_UNKNOWN = 18;
    REASON_CONTAINER_LIMITATION = 19;
    REASON_CONTAINER_LIMITATION_DISK = 20;
    REASON_CONTAINER_LAUNCH_FAILED = 21;
    REASON_CONTAINER_UPDATE_FAILED = 22;
    REASON_EXECUTOR_REGISTRATION_TIMEOUT = 23;
    REASON_EXECUTOR_REREGISTRATION_TIMEOUT = 24;
    REASON_TASK_GROUP_INVALID = 25;
    REASON_TASK_GROUP_UNAUTHORIZED = 26;
    REASON_IO_SWITCHBOARD_EXITED = 27;
    REASON_TASK_CHECK_STATUS_UPDATED = 28;
    REASON_TASK_HEALTH_CHECK_STATUS_UPDATED = 29;
    REASON_TASK_KILLED_DURING_LAUNCH = 30;
    REASON_AGENT_REMOVED_BY_OPERATOR = 31;
    REASON_AGENT_REREGISTERED = 32;
    REASON_MAX_COMPLETION_TIME_REACHED = 33;
    REASON_AGENT_DRAINING = 34;
  }
  required TaskID task_id = 1;
  required TaskState state = 2;
  optional bytes data = 3;
  optional string message = 4;
  optional AgentID agent_id = 5;
  optional double timestamp = 6;
  optional ExecutorID executor_id = 7;
  optional bool healthy = 8;
  optional Source source = 9;
  optional Reason reason = 10;
  optional bytes uuid = 11;
  optional Labels labels = 12;
  optional bytes container_status = 13;
  optional TimeInfo unreachable_time = 14;
  optional CheckStatusInfo check_status = 15;
  optional TaskResourceLimitation limitation = 16;
}

message Filters { optional double refuse_seconds = 1; }

message ContainerID {
  required string value = 1;
  optional ContainerID parent = 2;
}

message AgentInfo {
  message Capability {
    enum Type {
      UNKNOWN = 0;
      MULTI_ROLE = 1;
      HIERARCHICAL_ROLE = 2;
      RESERVATION_REFINEMENT = 3;
      RESOURCE_PROVIDER = 4;
      RESIZE_VOLUME = 5;
      AGENT_OPERATION_FEEDBACK = 6;
      AGENT_DRAINING = 7;
      TASK_RESOURCE_LIMITS = 8;
    }
    optional Type type = 1;
  }
  required string hostname = 1;
  repeated Resource resources = 3;
  repeated Attribute attributes = 5;
  optional AgentID id = 6;
  optional int32 port = 8;
  optional DomainInfo domain = 10;
}

message Request {
  optional AgentID agent_id = 1;
  repeated Resource resources = 2;
}
`;

/**
 * The scheduler package's messages (its own package, as in Mesos: `mesos.v1.scheduler.Call`).
 * Kept apart from `V1_MESOS_PROTO` because one protobuf source declares one package.
 */
export const V1_SCHEDULER_PROTO = `
syntax = "proto2";
package mesos.v1.scheduler;

message Call {
  enum Type {
    UNKNOWN = 0;
    SUBSCRIBE = 1;
    TEARDOWN = 2;
    ACCEPT = 3;
    DECLINE = 4;
    REVIVE = 5;
    KILL = 6;
    SHUTDOWN = 7;
    ACKNOWLEDGE = 8;
    RECONCILE = 9;
    MESSAGE = 10;
    REQUEST = 11;
    SUPPRESS = 12;
    ACCEPT_INVERSE_OFFERS = 13;
    DECLINE_INVERSE_OFFERS = 14;
    ACKNOWLEDGE_OPERATION_STATUS = 15;
    RECONCILE_OPERATIONS = 16;
    UPDATE_FRAMEWORK = 17;
  }
  message Subscribe {
    required mesos.v1.FrameworkInfo framework_info = 1;
    repeated string suppressed_roles = 2;
    optional bytes offer_constraints = 3;
  }
  message Accept {
    repeated mesos.v1.OfferID offer_ids = 1;
    repeated mesos.v1.Offer.Operation operations = 2;
    optional mesos.v1.Filters filters = 3;
  }
  message Decline {
    repeated mesos.v1.OfferID offer_ids = 1;
    optional mesos.v1.Filters filters = 2;
  }
  message Revive { repeated string roles = 1; }
  message Kill {
    required mesos.v1.TaskID task_id = 1;
    optional mesos.v1.AgentID agent_id = 2;
    optional mesos.v1.KillPolicy kill_policy = 3;
  }
  message Shutdown {
    required mesos.v1.ExecutorID executor_id = 1;
    required mesos.v1.AgentID agent_id = 2;
  }
  message Acknowledge {
    required mesos.v1.AgentID agent_id = 1;
    required mesos.v1.TaskID task_id = 2;
    required bytes uuid = 3;
  }
  message Reconcile {
    message Task {
      required mesos.v1.TaskID task_id = 1;
      optional mesos.v1.AgentID agent_id = 2;
    }
    repeated Task tasks = 1;
  }
  message Message {
    required mesos.v1.AgentID agent_id = 1;
    required mesos.v1.ExecutorID executor_id = 2;
    required bytes data = 3;
  }
  message Request { repeated mesos.v1.Request requests = 1; }
  message Suppress { repeated string roles = 1; }
  message AcknowledgeOperationStatus {
    optional mesos.v1.AgentID agent_id = 1;
    optional mesos.v1.ResourceProviderID resource_provider_id = 2;
    required bytes uuid = 3;
    required mesos.v1.OperationID operation_id = 4;
  }
  message ReconcileOperations {
    message Operation {
      required mesos.v1.OperationID operation_id = 1;
      optional mesos.v1.AgentID agent_id = 2;
      optional mesos.v1.ResourceProviderID resource_provider_id = 3;
    }
    repeated Operation operations = 1;
  }
  message UpdateFramework {
    required mesos.v1.FrameworkInfo framework_info = 1;
    repeated string suppressed_roles = 2;
    optional bytes offer_constraints = 3;
  }
  message AcceptInverseOffers {
    repeated mesos.v1.OfferID inverse_offer_ids = 1;
    optional mesos.v1.Filters filters = 2;
  }
  message DeclineInverseOffers {
    repeated mesos.v1.OfferID inverse_offer_ids = 1;
    optional mesos.v1.Filters filters = 2;
  }
  optional mesos.v1.FrameworkID framework_id = 1;
  optional Type type = 2;
  optional Subscribe subscribe = 3;
  optional Accept accept = 4;
  optional Decline decline = 5;
  optional Kill kill = 6;
  optional Shutdown shutdown = 7;
  optional Acknowledge acknowledge = 8;
  optional Reconcile reconcile = 9;
  optional Message message = 10;
  optional Request request = 11;
  optional AcceptInverseOffers accept_inverse_offers = 13;
  optional DeclineInverseOffers decline_inverse_offers = 14;
  optional Revive revive = 15;
  optional Suppress suppress = 16;
  optional AcknowledgeOperationStatus acknowledge_operation_status = 17;
  optional ReconcileOperations reconcile_operations = 18;
  optional UpdateFramework update_framework = 19;
}

message Event {
  enum Type {
    UNKNOWN = 0;
    SUBSCRIBED = 1;
    OFFERS = 2;
    RESCIND = 3;
    UPDATE = 4;
    MESSAGE = 5;
    FAILURE = 6;
    ERROR = 7;
    HEARTBEAT = 8;
    INVERSE_OFFERS = 9;
    RESCIND_INVERSE_OFFER = 10;
    UPDATE_OPERATION_STATUS = 11;
  }
  message Subscribed {
    required mesos.v1.FrameworkID framework_id = 1;
    optional double heartbeat_interval_seconds = 2;
    optional mesos.v1.MasterInfo master_info = 3;
  }
  message Offers { repeated mesos.v1.Offer offers = 1; }
  message InverseOffers { repeated mesos.v1.InverseOffer inverse_offers = 1; }
  message Rescind { required mesos.v1.OfferID offer_id = 1; }
  message RescindInverseOffer { required mesos.v1.OfferID inverse_offer_id = 1; }
  message Update { required mesos.v1.TaskStatus status = 1; }
  message Message {
    required mesos.v1.AgentID agent_id = 1;
    required mesos.v1.ExecutorID executor_id = 2;
    required bytes data = 3;
  }
  message Failure {
    optional mesos.v1.AgentID agent_id = 1;
    optional mesos.v1.ExecutorID executor_id = 2;
    optional int32 status = 3;
  }
  message Error { required string message = 1; }
  message UpdateOperationStatus { required mesos.v1.OperationStatus status = 1; }
  optional Type type = 1;
  optional Subscribed subscribed = 2;
  optional Offers offers = 3;
  optional InverseOffers inverse_offers = 9;
  optional Rescind rescind = 4;
  optional RescindInverseOffer rescind_inverse_offer = 10;
  optional Update update = 5;
  optional UpdateOperationStatus update_operation_status = 11;
  optional Message message = 6;
  optional Failure failure = 7;
  optional Error error = 8;
}
`;

/** The executor package's messages (`mesos.v1.executor.Call` and `Event`). */
export const V1_EXECUTOR_PROTO = `
syntax = "proto2";
package mesos.v1.executor;

message Call {
  enum Type {
    UNKNOWN = 0;
    SUBSCRIBE = 1;
    UPDATE = 2;
    MESSAGE = 3;
    HEARTBEAT = 4;
  }
  message Update { required mesos.v1.TaskStatus status = 1; }
  message Subscribe {
    repeated mesos.v1.TaskInfo unacknowledged_tasks = 1;
    repeated Update unacknowledged_updates = 2;
  }
  message Message { required bytes data = 2; }
  required mesos.v1.ExecutorID executor_id = 1;
  required mesos.v1.FrameworkID framework_id = 2;
  optional Type type = 3;
  optional Subscribe subscribe = 4;
  optional Update update = 5;
  optional Message message = 6;
}

message Event {
  enum Type {
    UNKNOWN = 0;
    SUBSCRIBED = 1;
    LAUNCH = 2;
    KILL = 3;
    ACKNOWLEDGED = 4;
    MESSAGE = 5;
    ERROR = 6;
    SHUTDOWN = 7;
    LAUNCH_GROUP = 8;
    HEARTBEAT = 9;
  }
  message Subscribed {
    required mesos.v1.ExecutorInfo executor_info = 1;
    required mesos.v1.FrameworkInfo framework_info = 2;
    required mesos.v1.AgentInfo agent_info = 3;
    optional mesos.v1.ContainerID container_id = 4;
  }
  message Acknowledged {
    required mesos.v1.TaskID task_id = 1;
    required bytes uuid = 2;
  }
  message Launch { required mesos.v1.TaskInfo task = 1; }
  message Kill {
    required mesos.v1.TaskID task_id = 1;
    optional mesos.v1.KillPolicy kill_policy = 2;
  }
  message Message { required bytes data = 1; }
  message Error { required string message = 1; }
  message LaunchGroup { required mesos.v1.TaskGroupInfo task_group = 1; }
  optional Type type = 1;
  optional Subscribed subscribed = 2;
  optional Acknowledged acknowledged = 3;
  optional Launch launch = 4;
  optional Kill kill = 5;
  optional Message message = 6;
  optional Error error = 7;
  optional LaunchGroup launch_group = 8;
}
`;
