// Summarises a V8 .heapsnapshot (from v8.writeHeapSnapshot or --heapsnapshot-signal) without
// DevTools: self size by constructor, the dominator tree down to what holds ≥ 1% of the heap
// (with the many small children of one holder grouped by constructor), and strings by shape.
// Usage: node --max-old-space-size=8000 bench/lib/heap-summary.ts <file.heapsnapshot> [minPercent=1]
import { readFileSync } from 'node:fs';

/** A parsed snapshot: flat node and edge arrays as V8 writes them, plus the string table. */
export interface HeapGraph {
  nodeCount: number;
  /** Per node: type, name (string index), self size, first edge index, edge count. */
  type: Uint8Array;
  name: Uint32Array;
  selfSize: Float64Array;
  firstEdge: Uint32Array;
  edgeCount: Uint32Array;
  /** Per edge: type, name (string index, or element index), target node. */
  edgeType: Uint8Array;
  edgeName: Uint32Array;
  edgeTo: Uint32Array;
  nodeTypes: string[];
  edgeTypes: string[];
  strings: string[];
}

/** Parses a .heapsnapshot from its bytes (a Buffer, so snapshots beyond V8's string limit work). */
export function parseSnapshot(buf: Buffer): HeapGraph {
  const nodesAt = buf.indexOf('"nodes":[');
  const edgesAt = buf.indexOf('"edges":[', nodesAt);
  const stringsAt = buf.indexOf('"strings":[', edgesAt);
  const header = buf.toString('utf8', 0, nodesAt).trim().replace(/,$/, '') + '}';
  const meta = (
    JSON.parse(header) as {
      snapshot: {
        meta: {
          node_fields: string[];
          node_types: [string[]];
          edge_fields: string[];
          edge_types: [string[]];
        };
        node_count: number;
        edge_count: number;
      };
    }
  ).snapshot;
  const nf = meta.meta.node_fields;
  const ef = meta.meta.edge_fields;
  const nodes = readNumbers(buf, nodesAt + 9, meta.node_count * nf.length);
  const edges = readNumbers(buf, edgesAt + 9, meta.edge_count * ef.length);
  const end = buf.lastIndexOf(']');
  const strings = JSON.parse(buf.toString('utf8', stringsAt + 10, end + 1)) as string[];
  const n = meta.node_count;
  const g: HeapGraph = {
    nodeCount: n,
    type: new Uint8Array(n),
    name: new Uint32Array(n),
    selfSize: new Float64Array(n),
    firstEdge: new Uint32Array(n),
    edgeCount: new Uint32Array(n),
    edgeType: new Uint8Array(meta.edge_count),
    edgeName: new Uint32Array(meta.edge_count),
    edgeTo: new Uint32Array(meta.edge_count),
    nodeTypes: meta.meta.node_types[0],
    edgeTypes: meta.meta.edge_types[0],
    strings,
  };
  const [nType, nName, nSize, nEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
    nf.indexOf(f),
  ) as [number, number, number, number];
  let edge = 0;
  for (let i = 0; i < n; i++) {
    const o = i * nf.length;
    g.type[i] = nodes[o + nType]!;
    g.name[i] = nodes[o + nName]!;
    g.selfSize[i] = nodes[o + nSize]!;
    g.firstEdge[i] = edge;
    g.edgeCount[i] = nodes[o + nEdges]!;
    edge += g.edgeCount[i]!;
  }
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [
    number,
    number,
    number,
  ];
  for (let e = 0; e < meta.edge_count; e++) {
    const o = e * ef.length;
    g.edgeType[e] = edges[o + eType]!;
    g.edgeName[e] = edges[o + eName]!;
    g.edgeTo[e] = edges[o + eTo]! / nf.length;
  }
  return g;
}

/** `count` non-negative integers from a comma-separated list starting at `from`. */
function readNumbers(buf: Buffer, from: number, count: number): Float64Array {
  const out = new Float64Array(count);
  let k = 0;
  let value = 0;
  let inNumber = false;
  for (let i = from; k < count && i < buf.length; i++) {
    const c = buf[i]!;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      inNumber = true;
    } else if (inNumber) {
      out[k++] = value;
      value = 0;
      inNumber = false;
    }
  }
  return out;
}

/** How DevTools would name a node's class: the constructor for objects, a (kind) otherwise. */
export function className(g: HeapGraph, i: number): string {
  const type = g.nodeTypes[g.type[i]!] ?? '?';
  const name = g.strings[g.name[i]!] ?? '';
  switch (type) {
    case 'object':
    case 'native':
      return name;
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(string)';
    case 'number':
    case 'heap number':
      return '(number)';
    case 'closure':
      return '(closure)';
    case 'code':
      return '(compiled code)';
    case 'array':
      return `(array) ${name.slice(0, 40)}`;
    default:
      return `(${type}) ${name.slice(0, 40)}`;
  }
}

/**
 * Immediate dominators from node 0 (Cooper, Harvey and Kennedy's iterative algorithm), ignoring
 * weak edges as DevTools does; `order` is the reverse post-order, `idom` is -1 where unreachable.
 */
export function dominators(g: HeapGraph): { idom: Int32Array; order: Uint32Array } {
  const n = g.nodeCount;
  const weak = g.edgeTypes.indexOf('weak');
  const post = new Int32Array(n).fill(-1);
  const order: number[] = [];
  // Iterative DFS for post-order numbers.
  const stack = new Uint32Array(n);
  const next = new Uint32Array(n);
  const visited = new Uint8Array(n);
  let sp = 0;
  stack[sp++] = 0;
  visited[0] = 1;
  next[0] = g.firstEdge[0]!;
  while (sp > 0) {
    const v = stack[sp - 1]!;
    const end = g.firstEdge[v]! + g.edgeCount[v]!;
    let e = next[v]!;
    while (e < end && (g.edgeType[e] === weak || visited[g.edgeTo[e]!])) e++;
    if (e < end) {
      next[v] = e + 1;
      const w = g.edgeTo[e]!;
      visited[w] = 1;
      next[w] = g.firstEdge[w]!;
      stack[sp++] = w;
    } else {
      post[v] = order.length;
      order.push(v);
      sp--;
    }
  }
  // Predecessors in CSR form (reachable, non-weak).
  const predCount = new Uint32Array(n + 1);
  for (let v = 0; v < n; v++) {
    if (post[v] === -1) continue;
    const end = g.firstEdge[v]! + g.edgeCount[v]!;
    for (let e = g.firstEdge[v]!; e < end; e++) {
      if (g.edgeType[e] !== weak) predCount[g.edgeTo[e]! + 1]!++;
    }
  }
  for (let v = 0; v < n; v++) predCount[v + 1]! += predCount[v]!;
  const preds = new Uint32Array(predCount[n]!);
  const fill = predCount.slice(0, n);
  for (let v = 0; v < n; v++) {
    if (post[v] === -1) continue;
    const end = g.firstEdge[v]! + g.edgeCount[v]!;
    for (let e = g.firstEdge[v]!; e < end; e++) {
      if (g.edgeType[e] !== weak) preds[fill[g.edgeTo[e]!]!++] = v;
    }
  }
  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const rpo = Uint32Array.from(order).reverse();
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (post[a]! < post[b]!) a = idom[a]!;
      while (post[b]! < post[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = 1; k < rpo.length; k++) {
      const v = rpo[k]!;
      let d = -1;
      for (let p = predCount[v]!; p < predCount[v + 1]!; p++) {
        const u = preds[p]!;
        if (idom[u] === -1) continue;
        d = d === -1 ? u : intersect(u, d);
      }
      if (d !== -1 && idom[v] !== d) {
        idom[v] = d;
        changed = true;
      }
    }
  }
  return { idom, order: rpo };
}

/** Retained size per node: its own plus everything it dominates. */
export function retainedSizes(g: HeapGraph, idom: Int32Array, order: Uint32Array): Float64Array {
  const retained = Float64Array.from(g.selfSize);
  for (let k = order.length - 1; k > 0; k--) {
    const v = order[k]!;
    retained[idom[v]!]! += retained[v]!;
  }
  return retained;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1).padStart(7);

/** The report printed by the command line: constructors, dominator tree, strings. */
export function report(g: HeapGraph, minPercent = 1): string {
  const { idom, order } = dominators(g);
  const retained = retainedSizes(g, idom, order);
  const total = retained[0]!;
  const lines: string[] = [];
  lines.push(`total ${mib(total)} MiB in ${g.nodeCount} nodes (reachable, weak edges ignored)`);

  const byClass = new Map<string, { count: number; self: number }>();
  for (let i = 0; i < g.nodeCount; i++) {
    if (idom[i] === -1) continue;
    const c = className(g, i);
    const s = byClass.get(c) ?? { count: 0, self: 0 };
    s.count++;
    s.self += g.selfSize[i]!;
    byClass.set(c, s);
  }
  lines.push('', 'self size by constructor (top 20):', '  MiB      count  constructor');
  for (const [c, s] of [...byClass].sort((a, b) => b[1].self - a[1].self).slice(0, 20)) {
    lines.push(`${mib(s.self)}  ${String(s.count).padStart(9)}  ${c}`);
  }

  // Children in the dominator tree.
  const childCount = new Uint32Array(g.nodeCount + 1);
  for (let v = 1; v < g.nodeCount; v++) if (idom[v]! >= 0) childCount[idom[v]! + 1]!++;
  for (let v = 0; v < g.nodeCount; v++) childCount[v + 1]! += childCount[v]!;
  const children = new Uint32Array(childCount[g.nodeCount]!);
  const fill = childCount.slice(0, g.nodeCount);
  for (let v = 1; v < g.nodeCount; v++) if (idom[v]! >= 0) children[fill[idom[v]!]!++] = v;
  const edgeLabel = (from: number, to: number) => {
    const end = g.firstEdge[from]! + g.edgeCount[from]!;
    for (let e = g.firstEdge[from]!; e < end; e++) {
      if (g.edgeTo[e] !== to) continue;
      const t = g.edgeTypes[g.edgeType[e]!];
      return t === 'element' || t === 'hidden'
        ? `[${g.edgeName[e]}]`
        : `.${g.strings[g.edgeName[e]!]}`;
    }
    return '';
  };
  const threshold = (total * minPercent) / 100;
  lines.push('', `dominator tree, nodes retaining ≥ ${minPercent}% (MiB retained, self):`);
  const walk = (v: number, depth: number) => {
    const kids = [...children.subarray(childCount[v], childCount[v + 1])].sort(
      (a, b) => retained[b]! - retained[a]!,
    );
    const small = new Map<string, { count: number; size: number }>();
    for (const w of kids) {
      if (retained[w]! >= threshold && depth < 24) {
        const label = `${edgeLabel(v, w)} ${className(g, w)}`.trim();
        lines.push(
          `${mib(retained[w]!)} ${mib(g.selfSize[w]!)}  ${'  '.repeat(depth)}${label.slice(0, 90)}`,
        );
        walk(w, depth + 1);
      } else {
        const c = className(g, w);
        const s = small.get(c) ?? { count: 0, size: 0 };
        s.count++;
        s.size += retained[w]!;
        small.set(c, s);
      }
    }
    for (const [c, s] of [...small].sort((a, b) => b[1].size - a[1].size).slice(0, 3)) {
      if (s.size < threshold / 2) continue;
      lines.push(`${mib(s.size)} ${' '.repeat(7)}  ${'  '.repeat(depth)}${s.count} × ${c}`);
    }
  };
  walk(0, 0);

  const shapes = new Map<string, { count: number; size: number }>();
  const stringType = new Set(
    ['string', 'concatenated string', 'sliced string'].map((t) => g.nodeTypes.indexOf(t)),
  );
  for (let i = 0; i < g.nodeCount; i++) {
    if (idom[i] === -1 || !stringType.has(g.type[i]!)) continue;
    const shape = (g.strings[g.name[i]!] ?? '').slice(0, 32).replace(/[0-9]/g, '9');
    const s = shapes.get(shape) ?? { count: 0, size: 0 };
    s.count++;
    s.size += g.selfSize[i]!;
    shapes.set(shape, s);
  }
  lines.push('', 'strings by shape (digits as 9, first 32 characters; top 12):');
  for (const [shape, s] of [...shapes].sort((a, b) => b[1].size - a[1].size).slice(0, 12)) {
    lines.push(`${mib(s.size)}  ${String(s.count).padStart(9)}  ${JSON.stringify(shape)}`);
  }
  return lines.join('\n');
}

if (import.meta.main) {
  const [file, minPercent] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: heap-summary.ts <file.heapsnapshot> [minPercent]\n');
    process.exit(2);
  }
  process.stdout.write(`${report(parseSnapshot(readFileSync(file)), Number(minPercent ?? 1))}\n`);
}
