// Summarises a V8 .cpuprofile (from `node --cpu-prof` or the inspector): self time by function and
// by place (a package under node_modules, a folder of src/, node internals, GC, idle).
// Usage: node bench/lib/profile-summary.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives, coarsely. */
export function place(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)' || fn === '(program)') return fn;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const src = /\/(src|bench|test)\/([^/]+)/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:') || url === '') return `node ${fn.startsWith('(') ? fn : 'internals'}`;
  return url;
}

/** Self time (ms) per function and per place, busiest first. */
export function summarise(profile: Profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const fns = new Map<string, number>();
  const places = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = place(url, functionName);
    const short = url.replace(/^.*\/(node_modules|src|bench)\//, '$1/');
    fns.set(
      `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`,
      (fns.get(`${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`) ?? 0) + ms,
    );
    places.set(where, (places.get(where) ?? 0) + ms);
    total += ms;
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { total, functions: sorted(fns), places: sorted(places) };
}

if (process.argv[1] === import.meta.filename) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
  const top = Number(process.argv[3] ?? 25);
  const { total, functions, places } = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const busy = total - (places.find(([p]) => p === '(idle)')?.[1] ?? 0);
  const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1)}%`.padStart(6);
  process.stdout.write(
    `${file}: ${total.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy\n\nby place (share of busy):\n`,
  );
  for (const [p, ms] of places.slice(0, top))
    if (p !== '(idle)') process.stdout.write(`${pct(ms)}  ${p}\n`);
  process.stdout.write('\nby function (self):\n');
  for (const [f, ms] of functions.slice(0, top)) process.stdout.write(`${pct(ms)}  ${f}\n`);
}
