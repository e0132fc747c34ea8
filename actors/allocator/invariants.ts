/**
 * Consistency checks of the allocator's books, recomputed from scratch. Any failure is
 * a bug in the allocator, never bad input. Used by tests after every operation.
 */
import { Resources, UNRESERVED_ROLE, toUnits, topLevelRole } from '../../lib/resources';
import type { AgentState, AllocatorBooks } from './books';
import { AllocatorInvariantError } from './errors';
import { addScalars, isUnreservedScalar, quantitiesEqual, type Quantities } from './quantities';

/** Throws `AllocatorInvariantError` naming the first broken invariant. */
export function checkBooks(books: AllocatorBooks): void {
  const byRole = new Map<string, Quantities>();
  const byFrameworkRole = new Map<string, Quantities>();
  const consumption = new Map<string, Quantities>();
  const allocatedConsumption = new Map<string, Quantities>();
  const totals: Quantities = new Map();
  const offeredOrAllocated: Quantities = new Map();
  books.agentList.forEach((agent, index) => {
    check(books.agents.get(agent.id) === agent && agent.listIndex === index, `agent list out of sync at ${agent.id}`);
    checkAgent(books, agent);
    addScalars(totals, agent.total, 1, () => true);
    addScalars(offeredOrAllocated, agent.allocated, 1, () => true);
    addReservations(consumption, agent.total);
    addReservations(allocatedConsumption, agent.total);
    for (const { framework, role, resources, allocated } of agent.holdings) {
      addTo(byRole, role.name, resources);
      addTo(byFrameworkRole, `${framework.id}\u0000${role.name}`, resources);
      check(resources.contains(allocated), `${framework.id} on ${agent.id}: what tasks use is not all held`);
      if (role.name !== UNRESERVED_ROLE) {
        addTo(consumption, topLevelRole(role.name), resources.filter(isUnreservedScalar));
        addTo(allocatedConsumption, topLevelRole(role.name), allocated.filter(isUnreservedScalar));
      }
    }
  });
  check(books.agentList.length === books.agents.size, 'agent list and agent map differ in size');
  check(quantitiesEqual(totals, toUnitsMap(books.totals.quantities())), 'cluster totals differ from the sum of agents');
  check(quantitiesEqual(offeredOrAllocated, toUnitsMap(books.offeredOrAllocated.quantities())), 'what is offered or allocated differs from the sum over agents');
  checkFrameworks(books);
  checkSorters(books, byRole, byFrameworkRole);
  for (const [role, quantities] of consumption) {
    check(quantitiesEqual(quantities, books.consumptionOf(role)), `quota consumption of '${role}' is off`);
  }
  check([...books.consumption.keys()].every((role) => consumption.has(role)), 'stale quota consumption entry');
  for (const [role, quantities] of allocatedConsumption) {
    check(quantitiesEqual(quantities, books.allocatedConsumptionOf(role)), `quota consumption (without offers) of '${role}' is off`);
  }
  check([...books.allocatedConsumption.keys()].every((role) => allocatedConsumption.has(role)), 'stale quota consumption (without offers) entry');
}

function checkAgent(books: AllocatorBooks, agent: AgentState): void {
  let sum = Resources.EMPTY;
  const seen = new Set<string>();
  for (const holding of agent.holdings) {
    const { framework, role, resources } = holding;
    const key = `${framework.id}\u0000${role.name}`;
    check(!seen.has(key), `agent ${agent.id} has two holdings of ${framework.id} in ${role.name}`);
    seen.add(key);
    check(holding.agent === agent, `holding on ${agent.id} points at another agent`);
    check(books.frameworks.get(framework.id) === framework, `agent ${agent.id} holds resources of unknown framework ${framework.id}`);
    check(framework.holdings.has(holding), `framework ${framework.id} does not list its holding on ${agent.id}`);
    // A role it left may still hold what it had there, tracked (inactive) until recovered.
    check(framework.roles.has(role.name) || (role.frameworkSorter.contains(framework.id) && !role.frameworkSorter.isActive(framework.id)),
      `framework ${framework.id} holds resources in role ${role.name}, which it neither subscribes to nor is tracked under inactive`);
    check(books.roles.get(role.name) === role, `holding of ${framework.id} points at a stale role ${role.name}`);
    check(!resources.isEmpty(), `empty holding of ${framework.id} on ${agent.id}`);
    sum = sum.add(resources);
  }
  check(sum.equals(agent.allocated), `agent ${agent.id}: holdings add up to '${sum}', books say '${agent.allocated}'`);
  check(agent.total.contains(agent.allocated), `agent ${agent.id}: allocated '${agent.allocated}' exceeds total '${agent.total}'`);
  check(agent.available.add(agent.allocated).equals(agent.total), `agent ${agent.id}: available + allocated ≠ total`);
}

function checkFrameworks(books: AllocatorBooks): void {
  for (const framework of books.frameworks.values()) {
    // `has` reads a holding's own flag: the walk from the list's head must find as many as it counts.
    check([...framework.holdings].length === framework.holdings.size, `framework ${framework.id} lists ${framework.holdings.size} holdings but links ${[...framework.holdings].length}`);
    const unsubscribed = new Map<string, number>();
    for (const holding of framework.holdings) {
      check(books.agents.get(holding.agent.id) === holding.agent, `framework ${framework.id} holds on a removed agent`);
      check(holding.agent.holdings.includes(holding), `framework ${framework.id} lists a holding its agent lacks`);
      if (!framework.roles.has(holding.role.name)) unsubscribed.set(holding.role.name, (unsubscribed.get(holding.role.name) ?? 0) + 1);
    }
    const counted = [...(framework.unsubscribedHoldings ?? new Map<string, number>())].sort();
    check(JSON.stringify(counted) === JSON.stringify([...unsubscribed].sort()), `framework ${framework.id} counts ${JSON.stringify(counted)} holdings in roles it left, holds ${JSON.stringify([...unsubscribed].sort())}`);
    for (const role of framework.roles) {
      const state = books.roles.get(role);
      check(state !== undefined && state.frameworks.has(framework.id), `framework ${framework.id} missing from role ${role}`);
      const shouldBeActive = framework.active && !framework.suppressedRoles.has(role);
      check(state!.frameworkSorter.isActive(framework.id) === shouldBeActive, `framework ${framework.id} activity wrong in ${role}`);
    }
  }
}

function checkSorters(books: AllocatorBooks, byRole: Map<string, Quantities>, byFrameworkRole: Map<string, Quantities>): void {
  for (const [roleName, role] of books.roles) {
    const expected = byRole.get(roleName) ?? new Map();
    check(quantitiesEqual(expected, toUnitsMap(books.roleSorter.allocation(roleName))), `role sorter allocation of ${roleName} is off`);
    for (const frameworkId of role.frameworks) check(role.frameworkSorter.contains(frameworkId), `framework ${frameworkId} subscribes to ${roleName} but is not in its sorter`);
    for (const frameworkId of role.frameworkSorter.clients()) {
      const held = byFrameworkRole.get(`${frameworkId}\u0000${roleName}`) ?? new Map();
      const sorted = toUnitsMap(role.frameworkSorter.allocation(frameworkId));
      check(quantitiesEqual(held, sorted), `framework sorter allocation of ${frameworkId} in ${roleName} is off`);
      // In a role it left, only while it holds something there.
      const framework = books.frameworks.get(frameworkId);
      check(framework !== undefined, `role ${roleName}'s sorter has unknown framework ${frameworkId}`);
      if (framework !== undefined && !role.frameworks.has(frameworkId)) {
        check([...framework.holdings].some((holding) => holding.role === role), `framework ${frameworkId} is still tracked under ${roleName}, which it left, holding nothing there`);
      }
    }
    check(role.frameworks.size > 0 || role.frameworkSorter.size > 0, `role ${roleName} has no framework but is kept`);
  }
  for (const role of byRole.keys()) {
    check(books.roles.has(role), `allocations in role ${role}, which has no state`);
  }
}

function addTo(map: Map<string, Quantities>, key: string, resources: Resources): void {
  const quantities = map.get(key) ?? new Map<string, number>();
  addScalars(quantities, resources, 1, () => true);
  map.set(key, quantities);
}

function addReservations(consumption: Map<string, Quantities>, total: Resources): void {
  for (const entry of total.reserved().entries()) {
    addTo(consumption, topLevelRole(entry.role), Resources.of([entry]).scalars());
  }
}

function toUnitsMap(quantities: ReadonlyMap<string, number>): Quantities {
  const units: Quantities = new Map();
  for (const [name, value] of quantities) {
    units.set(name, toUnits(value));
  }
  for (const [name, value] of units) {
    if (value === 0) {
      units.delete(name);
    }
  }
  return units;
}

function check(condition: boolean, message: string): void {
  if (!condition) {
    throw new AllocatorInvariantError(message);
  }
}
