import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';

/** What one benchmark reports: a markdown table (or several) and a line of interpretation. */
export interface BenchResult {
  title: string;
  /** Markdown, usually one or more tables. */
  body: string;
  /** One or two sentences on what the numbers say, against which baseline. */
  summary: string;
}

/** Percentile of an unsorted sample (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** A markdown table from a header row and data rows. */
export function table(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Rounds for display: 3 significant digits, no exponent. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toFixed(decimals);
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const gib = (os.totalmem() / 2 ** 30).toFixed(0);
  return `${os.cpus().length} cores (${cpu}), ${gib} GiB, Node ${process.version}, ${os.platform()}`;
}

/** Replaces (or appends) the section of BENCHMARKS.md that belongs to `name`. */
export async function writeSection(file: string, name: string, result: BenchResult): Promise<void> {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = [
    begin,
    `## ${result.title}`,
    '',
    `Command: \`npm run bench -- ${name}\` · ${new Date().toISOString().slice(0, 10)} · ${machine()}`,
    '',
    result.body.trim(),
    '',
    result.summary.trim(),
    end,
  ].join('\n');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    text =
      '# Benchmarks\n\nEach section is written by `npm run bench -- <name>`; ratios are against a baseline measured in the same run.\n';
  }
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  text =
    start >= 0 && stop > start
      ? text.slice(0, start) + section + text.slice(stop + end.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(file, text);
}
