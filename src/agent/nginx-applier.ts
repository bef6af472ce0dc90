// The `nginx` applier: renders configs into NGINX_CONF_DIR, checks with `nginx -t`, reloads the
// nginx master it supervises, and puts the previous files back when the check fails.
import { mkdir, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { IngressConfig } from '../spec/index.ts';
import { StateApplier, type Sink } from './applier.ts';
import { ApplyError } from './errors.ts';
import { renderMainConf, renderNginxFiles } from './nginx-render.ts';
import { NginxProcess } from './nginx-process.ts';
import { StateStore, writeAtomic } from './state-store.ts';

/** Where and how the agent's nginx runs. */
export interface NginxApplierOptions {
  /** NGINX_CONF_DIR: nginx.conf, configs/, servers/, state/, tmp/ and nginx.pid live here. */
  dir: string;
  /** NGINX_BIN. */
  bin: string;
  /** NGINX_HTTP_PORT: the port every server block listens on. */
  port: number;
  workerProcesses?: number | 'auto';
}

/** Writes the rendered files, tests, reloads; restores the previous files on a failed test. */
export class NginxSink implements Sink {
  readonly nginx: NginxProcess;
  readonly #options: NginxApplierOptions;
  #files = new Map<string, string>();

  constructor(options: NginxApplierOptions) {
    this.#options = { ...options, dir: path.resolve(options.dir) };
    this.nginx = new NginxProcess({ bin: options.bin, dir: this.#options.dir, conf: this.#conf });
  }

  get #conf(): string {
    return path.join(this.#options.dir, 'nginx.conf');
  }

  /** Writes the main conf and every file for `configs` (removing strangers), tests, starts nginx. */
  async start(configs: readonly IngressConfig[]): Promise<void> {
    const { dir, port, workerProcesses } = this.#options;
    for (const sub of ['configs', 'servers', 'tmp'])
      await mkdir(path.join(dir, sub), { recursive: true });
    await writeAtomic(
      this.#conf,
      renderMainConf({ dir, port, ...(workerProcesses ? { workerProcesses } : {}) }),
    );
    const files = renderNginxFiles(configs, port);
    for (const sub of ['configs', 'servers']) {
      for (const entry of await readdir(path.join(dir, sub))) {
        if (!files.has(`${sub}/${entry}`)) await unlink(path.join(dir, sub, entry));
      }
    }
    for (const [file, text] of files) await writeAtomic(path.join(dir, file), text);
    this.#files = files;
    const check = await this.nginx.test();
    if (!check.ok) throw new ApplyError('REJECTED', `nginx -t failed: ${check.output}`);
    await this.nginx.start();
  }

  /** Makes exactly `configs` live, or throws ApplyError REJECTED with nginx's text and changes nothing. */
  async commit(configs: readonly IngressConfig[]): Promise<void> {
    const next = renderNginxFiles(configs, this.#options.port);
    const previous = this.#files;
    const touched = [...new Set([...next.keys(), ...previous.keys()])].filter(
      (file) => next.get(file) !== previous.get(file),
    );
    if (touched.length === 0) return;
    await this.#write(touched, next);
    const check = await this.nginx.test();
    if (!check.ok) {
      await this.#write(touched, previous);
      throw new ApplyError('REJECTED', `nginx -t failed: ${check.output}`);
    }
    this.#files = next;
    await this.nginx.reload();
  }

  async #write(files: string[], contents: Map<string, string>): Promise<void> {
    for (const file of files) {
      const target = path.join(this.#options.dir, file);
      const text = contents.get(file);
      if (text === undefined) await unlink(target).catch(() => undefined);
      else await writeAtomic(target, text);
    }
  }

  async stop(): Promise<void> {
    await this.nginx.stop();
  }
}

/** The nginx applier: a StateApplier over `<dir>/state/` and an NginxSink. */
export function createNginxApplier(options: NginxApplierOptions): {
  applier: StateApplier;
  sink: NginxSink;
} {
  const sink = new NginxSink(options);
  return { applier: new StateApplier(new StateStore(path.join(options.dir, 'state')), sink), sink };
}
