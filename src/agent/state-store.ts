// One JSON file per config in a folder, written atomically (temp file, fsync, rename).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { IngressConfig } from '../spec/index.ts';
import { configFileBase } from './nginx-render.ts';
import { validateConfig } from './validate.ts';

/** What load() found: the valid configs and the files it could not use (moved aside as `.bad`). */
export interface LoadedState {
  configs: IngressConfig[];
  rejected: { file: string; reason: string }[];
}

/** A folder of `<namespace>_<name>.json` files, each one whole IngressConfig with its generation. */
export class StateStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The file that holds one config. */
  fileOf(ref: { namespace: string; name: string }): string {
    return path.join(this.dir, `${configFileBase(ref)}.json`);
  }

  /** Reads every config file; unreadable or invalid ones are renamed `<file>.bad` and reported. */
  async load(): Promise<LoadedState> {
    await mkdir(this.dir, { recursive: true });
    const out: LoadedState = { configs: [], rejected: [] };
    for (const entry of (await readdir(this.dir)).sort()) {
      const file = path.join(this.dir, entry);
      if (entry.endsWith('.tmp')) await unlink(file).catch(() => undefined);
      if (!entry.endsWith('.json')) continue;
      try {
        const config = validateConfig(JSON.parse(await readFile(file, 'utf8')));
        if (this.fileOf(config) !== file)
          throw new Error(`holds ${config.namespace}/${config.name}`);
        out.configs.push(config);
      } catch (error) {
        out.rejected.push({ file, reason: (error as Error).message });
        await rename(file, `${file}.bad`).catch(() => undefined);
      }
    }
    return out;
  }

  /** Writes one config atomically: readers see the old file or the new one, never a part. */
  async write(config: IngressConfig): Promise<void> {
    await writeAtomic(this.fileOf(config), `${JSON.stringify(config, null, 2)}\n`);
  }

  /** Removes one config's file (no error when absent). */
  async delete(ref: { namespace: string; name: string }): Promise<void> {
    try {
      await unlink(this.fileOf(ref));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`removing ${this.fileOf(ref)} failed`, { cause: error });
      }
    }
  }
}

/** Temp file in the same folder, fsync, rename over the target, fsync the folder. */
export async function writeAtomic(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(temp, 'w', 0o644);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    const dirHandle = await open(dir, 'r');
    await dirHandle.sync().finally(() => dirHandle.close());
  } catch (cause) {
    await unlink(temp).catch(() => undefined);
    throw new Error(`writing ${file} failed`, { cause });
  }
}
