import type { LabelSelector } from '../spec/index.ts';

/** A live agent as the registry reports it. */
export interface AgentInfo {
  name: string;
  labels: Record<string, string>;
}

/** Whether a Kubernetes label selector matches a label set; an absent selector matches everything. */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    switch (operator) {
      case 'In':
        if (!has || !values.includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** The names of the agents a selector targets, sorted. */
export function targetedAgents(
  selector: LabelSelector | undefined,
  agents: Iterable<AgentInfo>,
): string[] {
  const names: string[] = [];
  for (const agent of agents) if (selectorMatches(selector, agent.labels)) names.push(agent.name);
  return names.sort();
}
