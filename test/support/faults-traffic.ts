// Traffic for the fault tests: resources created, updated and deleted (names reused) while a fault
// happens. API errors are counted, not thrown: the API server may be the thing under fault.
import type { Ingresses } from './kube.ts';
import { simpleSpec } from './kube.ts';

export interface TrafficOptions {
  /** Names are `<prefix>-<n>` for n below `names`; deleted names come back as new objects. */
  prefix: string;
  names?: number;
  /** Pause between two operations (the pace of the traffic, not a synchronisation). */
  intervalMs?: number;
  /** An agentSelector to put on every other resource, so selectors are part of the mix. */
  selector?: Record<string, string>;
}

/** What the traffic did. */
export interface TrafficReport {
  creates: number;
  updates: number;
  deletes: number;
  errors: number;
  lastError?: string;
}

/** Runs operations one after another until stop(). */
export class Traffic {
  readonly report: TrafficReport = { creates: 0, updates: 0, deletes: 0, errors: 0 };
  readonly #wic: Ingresses;
  readonly #o: Required<Omit<TrafficOptions, 'selector'>> & { selector?: Record<string, string> };
  readonly #exists = new Set<string>();
  #seq = 0;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(wic: Ingresses, options: TrafficOptions) {
    this.#wic = wic;
    this.#o = { names: 8, intervalMs: 60, ...options };
  }

  /** Starts the loop (idempotent). */
  start(): this {
    this.#running ??= this.#loop();
    return this;
  }

  /** Stops after the operation in progress; resolves with the report. */
  async stop(): Promise<TrafficReport> {
    this.#stopped = true;
    await this.#running;
    return this.report;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      await this.step();
      await new Promise((r) => setTimeout(r, this.#o.intervalMs));
    }
  }

  /** One operation: create a missing name, update an existing one, or delete one. */
  async step(): Promise<void> {
    const n = this.#seq++;
    const names = Array.from({ length: this.#o.names }, (_, i) => `${this.#o.prefix}-${i}`);
    const missing = names.filter((name) => !this.#exists.has(name));
    const present = names.filter((name) => this.#exists.has(name));
    const roll = (n * 7919) % 10;
    try {
      if (missing.length > 0 && (present.length === 0 || roll < 4)) {
        const name = missing[n % missing.length] as string;
        await this.#wic.create(name, this.#spec(name, n));
        this.#exists.add(name);
        this.report.creates++;
      } else if (roll < 8 || present.length < 3) {
        const name = present[n % present.length] as string;
        await this.#wic.patch(name, { spec: this.#spec(name, n) });
        this.report.updates++;
      } else {
        const name = present[n % present.length] as string;
        this.#exists.delete(name);
        await this.#wic.delete(name);
        this.report.deletes++;
      }
    } catch (error) {
      this.report.errors++;
      this.report.lastError = (error as Error).message;
      // A create may have failed because the old object is still finalizing: fine, try later.
    }
  }

  #spec(name: string, n: number): unknown {
    const index = Number(name.slice(name.lastIndexOf('-') + 1));
    const extra =
      this.#o.selector && index % 2 === 1
        ? { agentSelector: { matchLabels: this.#o.selector } }
        : {};
    return simpleSpec(`${name}.traffic.example.com`, [`127.0.0.1:${1000 + (n % 50000)}`], extra);
  }
}
