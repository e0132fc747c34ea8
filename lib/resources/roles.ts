/**
 * Role names. Roles form a tree by `/` (`eng/web` is a subrole of `eng`); `*` means
 * unreserved. Validation follows Mesos' rules.
 */
import { UNRESERVED_ROLE } from './types';

/** Separator of hierarchical role names. */
export const ROLE_SEPARATOR = '/';

/** Whitespace and control characters are never allowed in a role (as in Mesos). */
const INVALID_ROLE_CHARACTERS = /[\s\x00-\x1f\x7f]/;

/** Characters of the text syntax `name(role):value;...`, kept out of roles so it round-trips. */
const SYNTAX_CHARACTERS = /[()[\]{};:,]/;

/**
 * Why `role` is not a valid role name, or undefined if it is.
 * @example roleError('eng/web') // undefined
 * @example roleError('eng//web') // "role 'eng//web' contains two adjacent slashes"
 */
export function roleError(role: string): string | undefined {
  if (role === UNRESERVED_ROLE) {
    return undefined;
  }
  if (role.length === 0) {
    return 'role name is empty';
  }
  if (role.startsWith(ROLE_SEPARATOR) || role.endsWith(ROLE_SEPARATOR)) {
    return `role '${role}' starts or ends with a slash`;
  }
  if (role.includes(ROLE_SEPARATOR + ROLE_SEPARATOR)) {
    return `role '${role}' contains two adjacent slashes`;
  }
  for (const component of role.split(ROLE_SEPARATOR)) {
    const error = componentError(role, component);
    if (error !== undefined) {
      return error;
    }
  }
  return undefined;
}

/** Whether `role` is a valid role name (including `*`). */
export function isValidRole(role: string): boolean {
  return roleError(role) === undefined;
}

/** Whether `role` is a proper descendant of `ancestor` (`eng/web` of `eng`). */
export function isStrictSubrole(role: string, ancestor: string): boolean {
  return (
    role.length > ancestor.length + 1 &&
    role.startsWith(ancestor) &&
    role.charCodeAt(ancestor.length) === ROLE_SEPARATOR.charCodeAt(0)
  );
}

/** The proper ancestors of `role`, nearest first: `a/b/c` → [`a/b`, `a`]. */
export function roleAncestors(role: string): string[] {
  const ancestors: string[] = [];
  let end = role.lastIndexOf(ROLE_SEPARATOR);
  while (end > 0) {
    ancestors.push(role.slice(0, end));
    end = role.lastIndexOf(ROLE_SEPARATOR, end - 1);
  }
  return ancestors;
}

/** The top-level role of `role`: `eng/web` → `eng`. */
export function topLevelRole(role: string): string {
  const end = role.indexOf(ROLE_SEPARATOR);
  return end < 0 ? role : role.slice(0, end);
}

/** Whether resources reserved to `reservationRole` may be offered to frameworks of `role`. */
export function isAllocatableTo(reservationRole: string, role: string): boolean {
  return (
    reservationRole === UNRESERVED_ROLE ||
    reservationRole === role ||
    isStrictSubrole(role, reservationRole)
  );
}

function componentError(role: string, component: string): string | undefined {
  if (component === '.' || component === '..' || component === UNRESERVED_ROLE) {
    return `role '${role}' has the reserved component '${component}'`;
  }
  if (component.startsWith('-')) {
    return `role component '${component}' starts with a dash`;
  }
  if (INVALID_ROLE_CHARACTERS.test(component)) {
    return `role component '${component}' contains whitespace or a control character`;
  }
  if (SYNTAX_CHARACTERS.test(component)) {
    return `role component '${component}' contains one of ()[]{};:,`;
  }
  return undefined;
}
