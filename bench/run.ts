// `npm run bench` runs every bench/<name>.bench.ts; `npm run bench -- <name> ...` runs those named.
// Each prints its table and rewrites its own section of BENCHMARKS.md.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { writeSection, type BenchResult } from './lib/report.ts';

const here = import.meta.dirname;
const available = (await readdir(here))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}\n`,
  );
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : available) {
  process.stdout.write(`\n== ${name}\n`);
  const mod = (await import(path.join(here, `${name}.bench.ts`))) as {
    run: () => Promise<BenchResult>;
  };
  const result = await mod.run();
  process.stdout.write(`${result.body}\n\n${result.summary}\n`);
  await writeSection(path.join(here, '..', 'BENCHMARKS.md'), name, result);
}
