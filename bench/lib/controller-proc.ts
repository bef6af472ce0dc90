// The real Controller in a child process of its own (settings from the environment, as
// `wise2c-ingress controller` reads them), so its memory and CPU are its own. Over IPC it reports
// live agents and memory (after a full GC) and takes a CPU profile or a heap snapshot on request.
// `ControllerProc.start()` forks it; the same file is the child (W2I_CONTROLLER_PROC set).
import { fork, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import inspector from 'node:inspector/promises';
import v8 from 'node:v8';
import { createLogger, loadSettings } from '../../src/config/index.ts';
import { loadKubeConfig } from '../../src/kube/index.ts';
import { CONTROLLER_SETTINGS, Controller } from '../../src/reconciler/index.ts';

type Msg = { type: string; [key: string]: unknown };

/** Memory of the controller process, bytes. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  /** Peak RSS of the process so far (VmHWM). */
  peakRss: number;
  /** RSS of anonymous memory (heaps) and of mapped files (the node binary, libraries). */
  rssAnon: number;
  rssFile: number;
}

/** A forked controller process. */
export class ControllerProc {
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.#child = child;
  }

  /** Starts a controller with these settings (environment names, e.g. AMQP_URL); resolves once it runs. */
  static async start(env: Record<string, string>): Promise<ControllerProc> {
    const child = fork(import.meta.filename, [], {
      env: { ...process.env, LOG_LEVEL: 'warn', HTTP_PORT: '0', ...env, W2I_CONTROLLER_PROC: '1' },
      // W2I_BENCH_CONTROLLER_FLAGS: extra node/V8 flags for the controller (e.g. --max-semi-space-size=4).
      execArgv: [
        '--expose-gc',
        ...(process.env.W2I_BENCH_CONTROLLER_FLAGS?.split(' ').filter(Boolean) ?? []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const proc = new ControllerProc(child);
    await proc.#ask({ type: 'noop' }, 'ready');
    return proc;
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** Agents the controller's roster sees live. */
  async liveAgents(): Promise<number> {
    return (await this.#ask({ type: 'live' }, 'live')).agents as number;
  }

  /** Memory after two full GCs. */
  async memory(): Promise<MemorySample> {
    return (await this.#ask({ type: 'memory' }, 'memory')).memory as MemorySample;
  }

  /** Starts a CPU profile of the controller. */
  async startProfile(): Promise<void> {
    await this.#ask({ type: 'profile-start' }, 'profiling');
  }

  /** Stops the profile and writes it to `file` (.cpuprofile). */
  async stopProfile(file: string): Promise<void> {
    await this.#ask({ type: 'profile-stop', file }, 'profiled');
  }

  /** Writes a heap snapshot (after two full GCs) to `file` (.heapsnapshot); see heap-summary.ts. */
  async heapSnapshot(file: string): Promise<void> {
    await this.#ask({ type: 'heap-snapshot', file }, 'heap-snapshot');
  }

  /** Graceful stop (SIGKILL after 15 s). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.send({ type: 'exit' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  #ask(msg: Msg, type: string): Promise<Msg> {
    const child = this.#child;
    return new Promise((resolve, reject) => {
      const onMessage = (m: Msg) => {
        if (m.type !== type) return;
        child.off('message', onMessage).off('exit', onExit);
        resolve(m);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new Error(`controller process exited with ${code}`));
      };
      child.on('message', onMessage).once('exit', onExit);
      if (msg.type !== 'noop') child.send(msg);
    });
  }
}

/** VmHWM, RssAnon and RssFile of this process from /proc (zeros where there is no /proc). */
async function procStatus(): Promise<Pick<MemorySample, 'peakRss' | 'rssAnon' | 'rssFile'>> {
  const text = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { peakRss: kib('VmHWM'), rssAnon: kib('RssAnon'), rssFile: kib('RssFile') };
}

async function childMain(): Promise<void> {
  const settings = loadSettings(CONTROLLER_SETTINGS);
  const logger = createLogger('controller', settings.logLevel);
  const controller = new Controller({
    settings,
    kubeConfig: loadKubeConfig(settings.kubeconfig),
    logger,
    resyncMs: settings.resyncPeriodMs,
  });
  let live = 0;
  controller.metrics.liveAgents.set(0);
  const session = new inspector.Session();
  session.connect();
  process.on('message', (msg: Msg) => {
    void (async () => {
      if (msg.type === 'live') {
        const metric = await controller.metrics.liveAgents.get();
        live = metric.values[0]?.value ?? 0;
        process.send?.({ type: 'live', agents: live });
      } else if (msg.type === 'memory') {
        const gc = (globalThis as { gc?: () => void }).gc;
        gc?.();
        await new Promise((r) => setTimeout(r, 50));
        gc?.();
        const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
        const memory: MemorySample = {
          rss,
          heapUsed,
          heapTotal,
          external,
          ...(await procStatus()),
        };
        process.send?.({ type: 'memory', memory });
      } else if (msg.type === 'heap-snapshot') {
        const gc = (globalThis as { gc?: () => void }).gc;
        gc?.();
        gc?.();
        v8.writeHeapSnapshot(msg.file as string);
        process.send?.({ type: 'heap-snapshot' });
      } else if (msg.type === 'profile-start') {
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
        process.send?.({ type: 'profiling' });
      } else if (msg.type === 'profile-stop') {
        const { profile } = await session.post('Profiler.stop');
        await writeFile(msg.file as string, JSON.stringify(profile));
        process.send?.({ type: 'profiled' });
      } else if (msg.type === 'exit') {
        await controller.stop(2000);
        process.exit(0);
      }
    })();
  });
  await controller.start();
  process.send?.({ type: 'ready' });
}

if (process.env.W2I_CONTROLLER_PROC && process.send) await childMain();
