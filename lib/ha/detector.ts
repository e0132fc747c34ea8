/**
 * Detecting the leading master from a `--master` flag: `host:port` (one master, fixed) or
 * `zk://host:port[,host:port...]/path` (follow the leader in ZooKeeper).
 */
import { UPID } from '../actor/upid';
import type { Logger } from '../logging';
import type { Clock } from '../process/clock';
import { ZooKeeperMasterDetector, type DetectedMaster } from './election';
import { parseZooKeeperUrl, type ZooKeeperConnector } from './zookeeper';

/** Stands for the master while none leads (agents and schedulers send nothing to it, and take nothing from it). */
export const NO_MASTER = UPID.parse('master@0.0.0.0:0');

/** The pid of a detected leader; `NO_MASTER` when there is none, or its pid does not parse. */
export function leaderPid(leader: DetectedMaster | undefined): UPID {
  return (leader === undefined ? undefined : UPID.tryParse(leader.pid)) ?? NO_MASTER;
}

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
