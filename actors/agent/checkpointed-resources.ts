/**
 * The agent's checkpointed resources (Mesos' `meta/resources/resources.info`): the dynamic
 * reservations and persistent volumes the master made on this agent, as its last
 * `CheckpointResources` said them. They live in `<workDir>/meta/resources/resources.info`, one
 * JSON list of resources in Mesos' JSON form (pre-refinement: `role` and `reservation:
 * {principal, labels}`; a volume's `disk: {persistence, volume}`), replaced atomically at each
 * change (after the volumes' directories are made and removed: volumes.ts). Unlike the journal
 * they do not depend on the agent id: as in Mesos, an agent that starts anew in the work dir (a
 * new id) keeps them and reports them when it registers.
 *
 * Each one is carved out of the agent's declared resources (`--resources`, or what it
 * detected): the total it offers is the declared resources less what they were made of, plus
 * them (`applyCheckpointedResources`). So every checkpointed entry must be dynamically reserved
 * or a persistent volume, and the declared resources must hold what they were made of.
 */
import * as path from 'node:path';
import { FileTooLargeError, type Disk } from '../../lib/disk';
import { ResourceListSchema } from '../../lib/protocol';
import { checkpointedResourcesError, describeResources as describe, Resources } from '../../lib/resources';
import { MAX_CHECKPOINTED_RESOURCES_FILE_BYTES } from './constants';
import { metaDirectory } from './paths';

/** `<workDir>/meta/resources/resources.info` (Mesos' path under its meta directory). */
export function checkpointedResourcesPath(workDir: string): string {
  return checkpointedResourcesPathIn(metaDirectory(workDir));
}

/** `<meta>/resources/resources.info`, in the meta directory `meta`. */
export function checkpointedResourcesPathIn(meta: string): string {
  return path.join(meta, 'resources', 'resources.info');
}

// The carving itself is shared with the master (lib/resources/checkpointed.ts).
export { applyCheckpointedResources, checkpointedResourcesError } from '../../lib/resources';

/** The file's text for `resources`: their Mesos JSON list on one line. */
export function checkpointedResourcesText(resources: Resources): string {
  return `${JSON.stringify(resources.toJSON())}\n`;
}

/**
 * Reads the checkpointed resources in `workDir` for an agent declaring `declared`: none (empty)
 * when there is no file. Throws an error naming the file when it cannot be read (larger than
 * `MAX_CHECKPOINTED_RESOURCES_FILE_BYTES`, or unreadable), is not a resource list, or does not
 * fit `declared` (`checkpointedResourcesError`): the agent must not start with reservations the
 * master made that it can no longer honour, nor silently without them.
 */
export async function recoverCheckpointedResources(disk: Disk, workDir: string, declared: Resources): Promise<Resources> {
  const file = checkpointedResourcesPath(workDir);
  const text = await disk.readFile(file, MAX_CHECKPOINTED_RESOURCES_FILE_BYTES).catch((error: Error) => {
    if (error instanceof FileTooLargeError) throw new Error(`cannot read the agent's checkpointed resources ${file}: it is larger than ${MAX_CHECKPOINTED_RESOURCES_FILE_BYTES} bytes (MAX_CHECKPOINTED_RESOURCES_FILE_BYTES)`);
    throw new Error(`cannot read the agent's checkpointed resources ${file}: ${error.message}`);
  });
  if (text === undefined) return Resources.EMPTY;
  const checkpointed = parseCheckpointedResources(text, file);
  const error = checkpointedResourcesError(declared, checkpointed);
  if (error !== undefined) {
    throw new Error(`the dynamic reservations checkpointed in ${file} (${describe(checkpointed)}) do not fit this agent's resources: ${error}. `
      + 'The master made them; restart the agent with resources that hold them (as unreserved resources: --resources), '
      + 'or, to start without them, remove that file (the master may send the reservations it still keeps for this agent again)');
  }
  return checkpointed;
}

/** The resources `text` (the file `file`) lists; throws naming the file when it lists none validly. */
function parseCheckpointedResources(text: string, file: string): Resources {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`the agent's checkpointed resources ${file} are not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const checked = ResourceListSchema.safeParse(json);
  if (!checked.success) throw new Error(`the agent's checkpointed resources ${file} are not a resource list: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  try {
    return Resources.fromJSON(checked.data);
  } catch (error) {
    throw new Error(`the agent's checkpointed resources ${file} are invalid: ${error instanceof Error ? error.message : String(error)}`);
  }
}
