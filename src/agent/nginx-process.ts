// The agent's own nginx master as a child process: test, start, reload, graceful stop.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFile, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Events of the supervised master: its stderr lines and an exit nobody asked for. */
export interface NginxEvents {
  log: [line: string];
  exited: [code: number | null, signal: NodeJS.Signals | null];
}

/** One nginx master with `-p dir -c conf`, in the agent's process group (it dies with the agent). */
export class NginxProcess extends EventEmitter<NginxEvents> {
  readonly #bin: string;
  readonly #dir: string;
  readonly #conf: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #stopping = false;

  constructor(options: { bin: string; dir: string; conf: string }) {
    super();
    this.#bin = options.bin;
    this.#dir = options.dir;
    this.#conf = options.conf;
  }

  get #args(): string[] {
    return ['-p', this.#dir, '-c', this.#conf, '-e', 'stderr'];
  }

  /** Runs `nginx -t`; `output` is nginx's own text (the error lines on failure). */
  async test(): Promise<{ ok: boolean; output: string }> {
    try {
      const { stderr } = await run(this.#bin, ['-t', '-q', ...this.#args], { timeout: 30_000 });
      return { ok: true, output: stderr.trim() };
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      const output = (e.stderr ?? '').trim() || e.message;
      return { ok: false, output };
    }
  }

  /** Starts the master (stopping one a previous agent left behind); resolves once it wrote its pid. */
  async start(): Promise<void> {
    await this.#stopLeftover();
    this.#stopping = false;
    const child = spawn(this.#bin, [...this.#args, '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) this.emit('log', line.trim());
    });
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (this.#child === child) this.#child = undefined;
        if (!this.#stopping) this.emit('exited', code, signal);
        resolve();
      }),
    );
    const deadline = Date.now() + 10_000;
    while ((await this.#pidOnDisk()) !== child.pid) {
      if (!this.#child || Date.now() > deadline) {
        throw new Error(`nginx did not start (pid file ${this.#dir}/nginx.pid); see its log lines`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Reloads the configuration (SIGHUP, as `nginx -s reload` does) and resolves once every old
   * worker is shutting down, so requests after it see the new configuration (or after timeoutMs).
   */
  async reload(timeoutMs = 5_000): Promise<void> {
    const pid = this.#child?.pid;
    if (!pid) throw new Error('nginx is not running');
    const old = await workersOf(pid);
    process.kill(pid, 'SIGHUP');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const titles = await Promise.all(old.map((w) => titleOf(w)));
      if (titles.every((t) => t === undefined || t.includes('shutting down'))) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Graceful stop (SIGQUIT: workers finish their requests), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.#child;
    if (!child?.pid) return;
    this.#stopping = true;
    child.kill('SIGQUIT');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  async #pidOnDisk(): Promise<number | undefined> {
    try {
      return Number((await readFile(`${this.#dir}/nginx.pid`, 'utf8')).trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  async #stopLeftover(): Promise<void> {
    const pid = await this.#pidOnDisk();
    if (!pid || !alive(pid)) return;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes('nginx') || !cmdline.includes(this.#dir)) return;
    process.kill(pid, 'SIGQUIT');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids whose parent is `pid` (Linux /proc). */
async function workersOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) out.push(Number(entry));
  }
  return out;
}

/** A process's title (nginx rewrites it, e.g. "worker process is shutting down"); undefined once gone. */
async function titleOf(pid: number): Promise<string | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return text.length > 0 ? text : undefined;
  } catch {
    return undefined;
  }
}
