/**
 * Detecting the leading master from a `--master` flag: `host:port` (one master, fixed) or
 * `zk://host:port[,host:port...]/path` (follow the leader in ZooKeeper).
 */
import type { Logger } from '../logging';
import type { Clock } from '../process/clock';
import { ZooKeeperMasterDetector } from './election';
import { parseZooKeeperUrl, type ZooKeeperConnector } from './zookeeper';

/** Whether a `--master` value names ZooKeeper rather than one master. */
export function isZooKeeperMaster(master: string): boolean {
  return master.startsWith('zk://');
}

/**
 * A detector for `--master zk://...` that logs through `host.logger` (throws on a malformed URL).
 * @example const detector = masterDetector('zk://10.0.0.1:2181/mesos', host, connectNodeZooKeeper);
 */
export function masterDetector(master: string, host: { readonly clock: Clock; readonly logger: Logger }, connect: ZooKeeperConnector): ZooKeeperMasterDetector {
  return new ZooKeeperMasterDetector({
    url: parseZooKeeperUrl(master),
    connect,
    clock: host.clock,
    log: (level, message, details) => host.logger[level]({ ...details, zk: master }, message),
  });
}
