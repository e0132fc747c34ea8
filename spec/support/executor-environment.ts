/**
 * What an agent gives a v1 executor in its environment (Mesos' names), read by the plain-http
 * executor fixtures: each variable must be set, and the agent's endpoint is split into host and port.
 */

/** Environment variable `name`; throws, naming it, when it is unset or empty. */
export function requiredEnvironment(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

/** `MESOS_AGENT_ENDPOINT` (`ip:port`) as the host and port to post to. */
export function agentEndpoint(): { readonly hostname: string; readonly port: number } {
  const endpoint = requiredEnvironment('MESOS_AGENT_ENDPOINT');
  const colon = endpoint.lastIndexOf(':');
  return { hostname: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)) };
}
