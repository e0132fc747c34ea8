/**
 * The one version string of this implementation, and the build facts Mesos' `/version` and
 * state endpoints report. Everything that names a version (MasterInfo.version, the agent's
 * registration, `/master/state`, `/slave(1)/state`, `/version`) reads it from here.
 *
 * Tools written for Mesos (mesos-dns, mesos_exporter, the DC/OS CLI, the web UI) parse the
 * `version` field as the Mesos version whose API they speak to, so `VERSION` is the Mesos release
 * whose HTTP endpoints and messages this implementation emulates. This package's own release is
 * `PACKAGE_VERSION`, shown beside it in `/version` as `mesos_ts_version` (an extra field: Mesos
 * tools ignore keys they do not know).
 */
import * as fs from 'node:fs';

/** The Mesos release whose endpoints and messages this implementation emulates (what tools parse). */
export const MESOS_API_VERSION = '1.11.0';

/** This package's own release (package.json `version`). */
export const PACKAGE_VERSION = '0.1.0';

/** The version reported everywhere Mesos reports its own: MasterInfo, registrations, state JSON, `/version`. */
export const VERSION = MESOS_API_VERSION;

/** Who `build_user` names: no build step records a user, so the implementation's name stands in. */
export const BUILD_USER = 'mesos-ts';

/** Build facts as Mesos reports them (`build_date` text, `build_time` seconds since the epoch, `build_user`). */
export interface BuildInfo {
  /** `YYYY-MM-DD HH:MM:SS` (UTC), as Mesos' `build::DATE`. */
  readonly build_date: string;
  /** Seconds since the epoch, as Mesos' `build::TIME`. */
  readonly build_time: number;
  /** See `BUILD_USER`. */
  readonly build_user: string;
}

/** The `/version` document: Mesos' fields plus `mesos_ts_version`. */
export interface VersionJson extends BuildInfo {
  readonly version: string;
  readonly mesos_ts_version: string;
}

let cachedBuild: BuildInfo | undefined;

/**
 * When this code was built: the modification time of this compiled module (tsc writes it at
 * build time; no build step stamps a date otherwise). Read once.
 */
export function buildInfo(): BuildInfo {
  if (cachedBuild !== undefined) return cachedBuild;
  const builtMs = fs.statSync(__filename, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const seconds = Math.floor(builtMs / 1000);
  const date = new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
  cachedBuild = { build_date: date, build_time: seconds, build_user: BUILD_USER };
  return cachedBuild;
}

/**
 * The body of `GET /version` (Mesos' `VersionProcess`; no `git_*` fields: no build step records them).
 * @example versionJson().version // '1.11.0'
 */
export function versionJson(): VersionJson {
  return { version: VERSION, ...buildInfo(), mesos_ts_version: PACKAGE_VERSION };
}

/** The v1 operator APIs' `VersionInfo` (GET_VERSION of the master and the agent): Mesos' fields only. */
export function v1VersionInfo(): BuildInfo & { readonly version: string } {
  return { version: VERSION, ...buildInfo() };
}
