import { EventEmitter } from 'node:events';
import {
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import { statusCodeOf } from './config.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm: a candidate takes
 * the lease only once its holder has not renewed it for a whole lease duration as observed on the
 * candidate's own clock (no trust in other clocks); the leader renews every retry period and steps
 * down at once when it could not renew within the renew deadline.
 */
export class LeaderElector extends EventEmitter<{ started: []; stopped: []; error: [unknown] }> {
  readonly #api: CoordinationV1Api;
  readonly #opts: Required<LeaderElectionOptions>;
  #leading = false;
  #running = false;
  #observed: { record: string; at: number } | undefined;
  #lastRenew = 0;
  #timer: NodeJS.Timeout | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;

  constructor(kc: KubeConfig, options: LeaderElectionOptions) {
    super();
    this.#api = kc.makeApiClient(CoordinationV1Api);
    this.#opts = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      ...options,
    };
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Campaigns and renews until stop(); emits 'started' and 'stopped' as leadership comes and goes. */
  async run(): Promise<void> {
    this.#running = true;
    while (this.#running) {
      const ok = await this.#tryAcquireOrRenew().catch((error: unknown) => {
        this.emit('error', error);
        return false;
      });
      const now = Date.now();
      if (ok && this.#running) {
        this.#lastRenew = now;
        // Steps down when the deadline passes, even while a renew call hangs.
        clearTimeout(this.#deadline);
        this.#deadline = setTimeout(() => this.#stepDown(), this.#opts.renewDeadlineMs).unref();
        if (!this.#leading) {
          this.#leading = true;
          this.emit('started');
        }
      } else if (this.#leading && now - this.#lastRenew >= this.#opts.renewDeadlineMs) {
        this.#stepDown();
      }
      const jitter = this.#leading ? 1 : 1 + Math.random() * 0.2;
      await this.#sleep(this.#opts.retryPeriodMs * jitter);
    }
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#wake?.();
    if (!this.#leading) return;
    this.#stepDown();
    try {
      const lease = await this.#api.readNamespacedLease({
        name: this.#opts.name,
        namespace: this.#opts.namespace,
      });
      if (lease.spec?.holderIdentity !== this.#opts.identity) return;
      const now = new V1MicroTime(Date.now());
      lease.spec = {
        ...lease.spec,
        holderIdentity: undefined,
        leaseDurationSeconds: 1,
        renewTime: now,
        acquireTime: now,
      };
      await this.#api.replaceNamespacedLease({
        name: this.#opts.name,
        namespace: this.#opts.namespace,
        body: lease,
      });
    } catch (error) {
      this.emit('error', error);
    }
  }

  #stepDown(): void {
    clearTimeout(this.#deadline);
    if (!this.#leading) return;
    this.#leading = false;
    this.emit('stopped');
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity } = this.#opts;
    const now = Date.now();
    const durationSeconds = Math.ceil(this.#opts.leaseDurationMs / 1000);
    let lease: V1Lease;
    try {
      lease = await this.#api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw error;
      const spec = {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        leaseTransitions: 0,
      };
      const times = { acquireTime: new V1MicroTime(now), renewTime: new V1MicroTime(now) };
      await this.#api.createNamespacedLease({
        namespace,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: { ...spec, ...times },
        },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseTransitions]);
    if (this.#observed?.record !== record) this.#observed = { record, at: now };
    const holder = spec.holderIdentity ?? '';
    const expiresAt = this.#observed.at + (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder !== '' && holder !== identity && expiresAt > now) return false;
    const taking = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: new V1MicroTime(now),
      acquireTime: taking ? new V1MicroTime(now) : spec.acquireTime,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (taking && holder !== '' ? 1 : 0),
    };
    try {
      await this.#api.replaceNamespacedLease({ name, namespace, body: lease });
    } catch (error) {
      if (statusCodeOf(error) === 409) return false;
      throw error;
    }
    return true;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, ms);
    });
  }
}
