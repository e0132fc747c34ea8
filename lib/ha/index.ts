/**
 * High availability (DESIGN.md §9): the `ZooKeeperClient` interface with its two servers (a real
 * one through node-zookeeper-client, a simulated one on a virtual clock), and leader election and
 * detection over `json.info_` znodes, as Mesos does them.
 *
 * @example
 *   const detector = masterDetector('zk://10.0.0.1:2181/mesos', host, connectNodeZooKeeper);
 *   detector.onChange((leader) => console.log('leading master:', leader?.pid ?? 'none'));
 */
export * from './zookeeper';
export * from './election';
export { isZooKeeperMaster, masterDetector } from './detector';
export { MemoryZooKeeper, SIMULATED_ZOOKEEPER_LATENCY_MS, type MemoryZooKeeperOptions } from './memory-zookeeper';
export { connectNodeZooKeeper, createNodeZooKeeperConnector, ZOOKEEPER_CLOSE_TIMEOUT_MS, ZOOKEEPER_REQUEST_TIMEOUT_MS, type NodeZooKeeperOptions } from './node-zookeeper';
