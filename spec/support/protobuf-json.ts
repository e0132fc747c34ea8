/**
 * Comparing an answer's JSON with its protobuf encoding read back: what protobuf cannot carry.
 */

/**
 * `value` without its empty lists: what its protobuf encoding carries of it (an empty repeated
 * field is no field). GET_STATE and its parts write their top-level lists always in JSON, `[]`
 * when empty, as Mesos does; read back from protobuf they are missing.
 * @example withoutEmptyLists({ get_tasks: { tasks: [], completed_tasks: [{ name: 't' }] } }) // { get_tasks: { completed_tasks: [{ name: 't' }] } }
 */
export function withoutEmptyLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyLists);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, field]) => !(Array.isArray(field) && field.length === 0)).map(([key, field]) => [key, withoutEmptyLists(field)]));
}
