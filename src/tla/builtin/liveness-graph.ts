// Graph algorithms for liveness: fairness of each state, strongly connected components, fair components and lasso cycles.
import type { StateGraph } from './bfs.js';
import type { Fairness, Model } from './model.js';
import { fingerprintState, stateFingerprint } from './symmetry.js';
import { valuesEqual } from './value.js';
import type { Value } from './value.js';

/** Which edges u -> v a behavior may take (undefined: all); []<><<A>>_v keeps the edges that are not <<A>>_v steps. */
export type EdgeFilter = ((u: number, v: number) => boolean) | undefined;

/** The successors of u a behavior may go to. */
function successorsOf(graph: StateGraph, u: number, edgeOk: EdgeFilter): number[] {
  const all = graph.successors?.[u] ?? [];
  return edgeOk === undefined ? all : all.filter((v) => edgeOk(u, v));
}

/** For one WF/SF condition: where <<A>>_v is enabled and which graph edges are <<A>>_v steps. */
export interface FairnessInfo {
  readonly strong: boolean;
  readonly enabled: boolean[];
  readonly steps: Set<number>[];
}

export function fairnessInfo(model: Model, graph: StateGraph, f: Fairness): FairnessInfo {
  const enabled: boolean[] = [];
  const steps: Set<number>[] = [];
  const subOf = (state: readonly Value[]): Value => model.evaluator.eval(f.sub, f.env, { state, next: undefined, primed: false });
  graph.states.forEach((state) => {
    const before = subOf(state);
    const targets = new Set<number>();
    let on = false;
    model.evaluator.successors(
      f.action,
      state,
      (partial) => {
        if (partial.includes(undefined)) return (on = true);
        const next = partial as Value[];
        if (valuesEqual(before, subOf(next))) return false;
        on = true;
        fingerprintState(next, model.symmetry);
        const id = graph.seen.get(stateFingerprint.high, stateFingerprint.low);
        if (id >= 0) targets.add(id);
        return false;
      },
      f.env,
    );
    enabled.push(on);
    steps.push(targets);
  });
  return { strong: f.strong, enabled, steps };
}

/** Tarjan's algorithm, iterative, over the nodes marked in `inside`. */
export function components(graph: StateGraph, nodes: readonly number[], inside: (id: number) => boolean, edgeOk: EdgeFilter): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const result: number[][] = [];
  let counter = 0;
  const succ = (u: number): number[] => successorsOf(graph, u, edgeOk).filter(inside);
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: [number, number][] = [[root, 0]];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1] as [number, number];
      const [u, i] = top;
      const edges = succ(u);
      if (i < edges.length) {
        top[1]++;
        const v = edges[i] as number;
        if (!index.has(v)) {
          index.set(v, counter);
          low.set(v, counter++);
          stack.push(v);
          onStack.add(v);
          work.push([v, 0]);
        } else if (onStack.has(v)) low.set(u, Math.min(low.get(u) as number, index.get(v) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent[0], Math.min(low.get(parent[0]) as number, low.get(u) as number));
      if (low.get(u) === index.get(u)) {
        const component: number[] = [];
        for (;;) {
          const w = stack.pop() as number;
          onStack.delete(w);
          component.push(w);
          if (w === u) break;
        }
        result.push(component);
      }
    }
  }
  return result;
}

function reachable(graph: StateGraph, starts: readonly number[], allowed: readonly boolean[], edgeOk: EdgeFilter): number[] {
  const seen = new Set<number>(starts.filter((s) => allowed[s]));
  const queue = [...seen];
  for (let i = 0; i < queue.length; i++) {
    for (const v of successorsOf(graph, queue[i] as number, edgeOk)) {
      if (allowed[v] && !seen.has(v)) {
        seen.add(v);
        queue.push(v);
      }
    }
  }
  return queue;
}

/** A sub-component of `component` on which some infinite behavior satisfies every fairness condition, or undefined. */
function fairSub(
  graph: StateGraph,
  component: number[],
  fairness: readonly FairnessInfo[],
  required: readonly boolean[] | undefined,
  edgeOk: EdgeFilter,
): number[] | undefined {
  const inC = new Set(component);
  const inside = (u: number, v: number): boolean => inC.has(v) && (edgeOk === undefined || edgeOk(u, v));
  const hasStep = (f: FairnessInfo): boolean => component.some((u) => [...(f.steps[u] ?? [])].some((v) => inside(u, v)));
  for (const f of fairness) {
    if (!f.strong || hasStep(f)) continue;
    const enabledNodes = component.filter((u) => f.enabled[u]);
    if (enabledNodes.length === 0) continue;
    // Strong fairness forbids visiting these states infinitely often without taking the action: drop them.
    const remaining = component.filter((u) => !f.enabled[u]);
    const keep = new Set(remaining);
    for (const sub of components(graph, remaining, (v) => keep.has(v), edgeOk)) {
      const found = fairSub(graph, sub, fairness, required, edgeOk);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const f of fairness) if (!f.strong && !hasStep(f) && component.every((u) => f.enabled[u])) return undefined;
  if (required !== undefined && !component.some((u) => required[u])) return undefined;
  return component;
}

export function findFairComponent(
  graph: StateGraph,
  starts: readonly number[],
  allowed: readonly boolean[],
  fairness: readonly FairnessInfo[],
  required: readonly boolean[] | undefined,
  edgeOk: EdgeFilter = undefined,
): { component: number[]; entry: number } | undefined {
  const nodes = reachable(graph, starts, allowed, edgeOk);
  const order = new Map(nodes.map((n, i) => [n, i]));
  for (const component of components(graph, nodes, (v) => allowed[v] === true && order.has(v), edgeOk)) {
    const fair = fairSub(graph, component, fairness, required, edgeOk);
    if (fair === undefined) continue;
    const entry = fair.reduce((best, n) => ((order.get(n) as number) < (order.get(best) as number) ? n : best));
    return { component: fair, entry };
  }
  return undefined;
}

/** Shortest path (ids) from any of `starts` to `target` through `allowed` states. */
export function pathWithin(
  graph: StateGraph,
  starts: readonly number[],
  target: number,
  allowed: readonly boolean[],
  edgeOk: EdgeFilter = undefined,
): number[] {
  const parent = new Map<number, number>();
  const queue: number[] = [];
  for (const s of starts) {
    if (allowed[s] && !parent.has(s)) {
      parent.set(s, -1);
      queue.push(s);
    }
  }
  for (let i = 0; i < queue.length && !parent.has(target); i++) {
    const u = queue[i] as number;
    for (const v of successorsOf(graph, u, edgeOk)) {
      if (allowed[v] && !parent.has(v)) {
        parent.set(v, u);
        queue.push(v);
      }
    }
  }
  const path: number[] = [];
  for (let at = target; at >= 0; at = parent.get(at) ?? -1) path.push(at);
  return path.reverse();
}

/** The states after `entry` of a cycle in `component` that takes each fairness witness, ending before `entry` again. */
export function cycleThrough(
  graph: StateGraph,
  component: readonly number[],
  entry: number,
  fairness: readonly FairnessInfo[],
  required: readonly boolean[] | undefined,
  edgeOk: EdgeFilter = undefined,
): number[] {
  const inC = new Set(component);
  const allowed: boolean[] = [];
  for (const n of component) allowed[n] = true;
  const waypoints: number[][] = [];
  for (const f of fairness) {
    const edge = component.flatMap((u) =>
      [...(f.steps[u] ?? [])].filter((v) => inC.has(v) && (edgeOk === undefined || edgeOk(u, v))).map((v) => [u, v]),
    )[0];
    if (edge !== undefined) waypoints.push(edge);
    else {
      const off = component.find((u) => !f.enabled[u]);
      if (off !== undefined) waypoints.push([off]);
    }
  }
  const req = required === undefined ? undefined : component.find((u) => required[u]);
  if (req !== undefined) waypoints.push([req]);
  const out: number[] = [];
  let at = entry;
  for (const stop of [...waypoints, [entry]]) {
    for (const node of stop) {
      if (node === at && stop.length === 1) continue;
      const leg = pathWithin(graph, [at], node, allowed, edgeOk).slice(1);
      out.push(...leg);
      at = node;
    }
  }
  if (out[out.length - 1] === entry) out.pop();
  return out;
}
