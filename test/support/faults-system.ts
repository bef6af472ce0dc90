// The fault tests' fixture: local-kube in this process, controller and agent processes through the
// CLI, and Redis and RabbitMQ either shared or dedicated (started in the test's folder, so a test
// may stop, kill and restart them). It knows which processes a test killed on purpose.
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { LocalSystem, type AgentHandle, type AgentSpec } from '../../src/demo/system.ts';
import { waitFor, type ManagedProcess } from '../../src/devservices/index.ts';
import { startLocalKube, type LocalKube } from '../../src/local-kube/index.ts';
import { testEnv } from './env.ts';
import { AckMonitor, converged, violations, type InvariantWorld } from './faults-invariant.ts';
import { Traffic, type TrafficOptions, type TrafficReport } from './faults-traffic.ts';
import { Ingresses, installCrd } from './kube.ts';
import { FAST_ENV, metricSum } from './system.ts';

export interface FaultSystemOptions {
  /** Start a Redis / RabbitMQ of this test's own instead of using the shared ones. */
  dedicatedRedis?: boolean;
  dedicatedRabbit?: boolean;
  /** Extra environment for every process. */
  env?: Record<string, string>;
}

interface Tracked {
  name: string;
  proc: ManagedProcess;
  killed: boolean;
  code?: number | null;
}

/** One system under fault. */
export class FaultSystem implements InvariantWorld {
  readonly system: LocalSystem;
  readonly kube: LocalKube;
  readonly kc: KubeConfig;
  readonly wic: Ingresses;
  readonly controllers: { proc: ManagedProcess; httpPort: number }[] = [];
  /** Agents the invariant leaves out for now (cut off on purpose). */
  readonly excluded = new Set<string>();
  readonly #tracked: Tracked[] = [];

  private constructor(system: LocalSystem, kube: LocalKube, kc: KubeConfig) {
    this.system = system;
    this.kube = kube;
    this.kc = kc;
    this.wic = new Ingresses(kc);
  }

  static async start(options: FaultSystemOptions = {}): Promise<FaultSystem> {
    const shared = testEnv();
    const dir = await mkdtemp(path.join(shared.root, 'faults-'));
    const id = randomBytes(4).toString('hex');
    const kube = await startLocalKube({ kubeconfigPath: path.join(dir, 'kubeconfig') });
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigPath);
    await installCrd(kc);
    const system = new LocalSystem({
      dir,
      kubeconfigPath: kube.kubeconfigPath,
      ...(options.dedicatedRedis ? {} : { redisUrl: shared.redisUrl }),
      ...(options.dedicatedRabbit ? {} : { amqpUrl: shared.amqpUrl }),
      rpcPrefix: `f${id}.`,
      redisPrefix: `f${id}:`,
      logLevel: 'debug',
      env: { ...FAST_ENV, ...options.env },
    });
    await system.startServices();
    return new FaultSystem(system, kube, kc);
  }

  get dir(): string {
    return this.system.options.dir;
  }

  async startController(env: Record<string, string> = {}) {
    const c = await this.system.startController(env);
    this.controllers.push(c);
    this.#track(`controller-${this.controllers.length}`, c.proc);
    return c;
  }

  async startAgent(spec: AgentSpec): Promise<AgentHandle> {
    const handle = await this.system.startAgent(spec);
    this.#track(`agent ${spec.name}`, handle.proc);
    return handle;
  }

  #track(name: string, proc: ManagedProcess): void {
    const t: Tracked = { name, proc, killed: false };
    void proc.exited.then((code) => (t.code = code));
    this.#tracked.push(t);
  }

  agent(name: string): AgentHandle {
    const handle = this.system.agents.get(name);
    if (!handle) throw new Error(`no agent ${name}`);
    return handle;
  }

  /** SIGKILLs a process the test means to kill; the invariant does not count it as a crash. */
  async kill(proc: ManagedProcess): Promise<void> {
    for (const t of this.#tracked) if (t.proc === proc) t.killed = true;
    proc.signal('SIGKILL');
    await proc.exited;
  }

  liveAgents(): AgentHandle[] {
    return [...this.system.agents.values()].filter(
      (a) => a.proc.running && !this.excluded.has(a.spec.name),
    );
  }

  processes() {
    return this.#tracked.map((t) => ({
      name: t.name,
      running: t.proc.running,
      exitCode: t.code,
      killed: t.killed,
    }));
  }

  /** A metric summed over the running controllers. */
  async metric(name: string, match = ''): Promise<number> {
    let sum = 0;
    for (const c of this.controllers)
      if (c.proc.running) sum += await metricSum(c.httpPort, name, match);
    return sum;
  }

  /** The controller that leads now (waits for one). */
  async leader(timeoutMs = 20_000): Promise<{ proc: ManagedProcess; httpPort: number }> {
    return waitFor(
      async () => {
        for (const c of this.controllers) {
          if (c.proc.running && (await metricSum(c.httpPort, 'wise2c_leader').catch(() => 0)) === 1)
            return c;
        }
        return undefined;
      },
      { timeoutMs, intervalMs: 100, what: 'a leader' },
    );
  }

  /** Waits for a leader and for every live agent to be in its roster. */
  async ready(): Promise<void> {
    const leader = await this.leader();
    const want = this.liveAgents().length;
    await waitFor(async () => (await metricSum(leader.httpPort, 'wise2c_live_agents')) >= want, {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: `${want} live agents`,
    });
  }

  /** Waits until the invariant holds; returns the ms since `since`. */
  converged(
    options: { timeoutMs?: number; since?: number; stableMs?: number } = {},
  ): Promise<number> {
    return converged(this, options);
  }

  violations(): Promise<string[]> {
    return violations(this);
  }

  /**
   * Runs `fault` with traffic flowing (and acknowledgements watched), stops the traffic when the
   * fault is over, and waits for the invariant: returns the recovery time from the fault's end.
   */
  async scenario(
    fault: () => Promise<void>,
    options: {
      traffic: TrafficOptions;
      timeoutMs?: number;
      warmOps?: number;
      stableMs?: number;
      /** How often the invariant and the acknowledgements are read (default 200 / 250 ms). */
      checkIntervalMs?: number;
    },
  ): Promise<{ recoveryMs: number; traffic: TrafficReport; faultMs: number }> {
    const monitor = new AckMonitor(this).start(options.checkIntervalMs ?? 250);
    const traffic = new Traffic(this.wic, options.traffic).start();
    const warm = options.warmOps ?? 4;
    const times = { started: 0, ended: 0 };
    const faulted = (async () => {
      await waitFor(() => traffic.report.creates + traffic.report.updates >= warm, {
        timeoutMs: 20_000,
        what: `${warm} operations of traffic`,
      });
      times.started = Date.now();
      await fault();
      times.ended = Date.now();
    })();
    const outcome: Error | undefined = await faulted.then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    const report = await traffic.stop();
    const recovered = outcome
      ? Promise.reject(outcome)
      : this.converged({
          since: times.ended,
          timeoutMs: options.timeoutMs ?? 30_000,
          stableMs: options.stableMs ?? 1_500,
          ...(options.checkIntervalMs ? { intervalMs: options.checkIntervalMs } : {}),
        });
    const recoveryMs = await recovered.finally(() => monitor.stop());
    if (monitor.problems.length > 0)
      throw new Error(`acknowledgements broken:\n  ${monitor.problems.slice(0, 10).join('\n  ')}`);
    if (monitor.samples < 2) throw new Error('the acknowledgement monitor never sampled');
    return { recoveryMs, traffic: report, faultMs: times.ended - times.started };
  }

  /** Stops every process gracefully and returns those that did not exit 0 (killed ones aside). */
  async stop(): Promise<string[]> {
    await this.system.stopProcesses();
    const bad: string[] = [];
    for (const t of this.#tracked) {
      if (t.killed) continue;
      const code = await t.proc.exited;
      if (code !== 0) bad.push(`${t.name} exited with ${String(code)}`);
    }
    await this.system.stop();
    await this.kube.close();
    return bad;
  }
}
