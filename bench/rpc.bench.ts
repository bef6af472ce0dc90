// Round trips per second and latency of RpcClient/RpcServer against plain amqplib request/reply,
// on a RabbitMQ of its own, at several concurrencies. Both sides run in this process, each with
// its own connection, as a caller and a server would.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { z } from 'zod';
import { RabbitServer } from '../src/devservices/index.ts';
import { RpcClient, RpcConnection, RpcServer, type Contract } from '../src/rpc/index.ts';
import { fmt, percentile, table, type BenchResult } from './lib/report.ts';

const CONCURRENCY = [1, 16, 256];
const ROUNDS = 6;
const WARMUP_MS = 200;
const MEASURE_MS = 1000;
const PREFETCH = 64;
const payload = randomBytes(96).toString('hex'); // a heartbeat-sized request, ~200 bytes

const contract = {
  Echo: {
    request: z.strictObject({ seq: z.number().int(), payload: z.string() }),
    result: z.strictObject({ seq: z.number().int() }),
  },
} satisfies Contract;

type Call = (seq: number) => Promise<unknown>;
interface Sample {
  rps: number;
  latencies: number[];
}
interface Summary {
  rps: number;
  p50: number;
  p99: number;
}
interface Impl {
  call: Call;
  close: () => Promise<void>;
}

/** Closed loop: `concurrency` callers each calling back to back; a warm-up, then a measured window. */
async function measure(call: Call, concurrency: number): Promise<Sample> {
  let seq = 0;
  let phase: 'warmup' | 'measure' | 'done' = 'warmup';
  const latencies: number[] = [];
  const worker = async () => {
    while (phase !== 'done') {
      const t0 = performance.now();
      await call(seq++);
      if (phase === 'measure') latencies.push(performance.now() - t0);
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  phase = 'measure';
  const started = performance.now();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  phase = 'done';
  const elapsed = performance.now() - started;
  await Promise.all(workers);
  const rps = latencies.length / (elapsed / 1000);
  return { rps, latencies };
}

/** The project's layer: validated requests and results, typed errors, events, timers. */
async function rpcLayer(url: string, queue: string): Promise<Impl> {
  const [callerConn, serverConn] = [
    new RpcConnection({ urls: [url] }),
    new RpcConnection({ urls: [url] }),
  ];
  await Promise.all([callerConn.start(), serverConn.start()]);
  const handlers = { Echo: ({ seq }: { seq: number }) => Promise.resolve({ seq }) };
  const server = new RpcServer(serverConn, {
    queue,
    mode: 'lb',
    contract,
    handlers,
    prefetch: PREFETCH,
  });
  const client = new RpcClient(callerConn);
  await Promise.all([server.start(), client.start()]);
  return {
    call: (seq) => client.call(queue, contract, 'Echo', { seq, payload }),
    close: async () => {
      await server.stop();
      await client.close();
      await Promise.all([callerConn.close(), serverConn.close()]);
    },
  };
}

/** The baseline: amqplib request/reply with nothing on top (same broker, prefetch, socket options). */
async function plainAmqp(url: string, queue: string): Promise<Impl> {
  const [callerConn, serverConn] = await Promise.all([
    amqp.connect(url, { noDelay: true }),
    amqp.connect(url, { noDelay: true }),
  ]);
  const serverCh = await serverConn.createChannel();
  await serverCh.assertQueue(queue, { durable: true });
  await serverCh.prefetch(PREFETCH);
  await serverCh.consume(queue, (msg) => {
    if (!msg) return;
    const { replyTo, correlationId } = msg.properties as { replyTo: string; correlationId: string };
    serverCh.sendToQueue(replyTo, msg.content, { correlationId });
    serverCh.ack(msg);
  });
  const callerCh = await callerConn.createChannel();
  const { queue: replyTo } = await callerCh.assertQueue('', { exclusive: true });
  const waiting = new Map<string, () => void>();
  await callerCh.consume(
    replyTo,
    (msg) => msg && waiting.get(msg.properties.correlationId as string)?.(),
    { noAck: true },
  );
  let id = 0;
  return {
    call: (seq) =>
      new Promise<void>((resolve) => {
        const correlationId = String(++id);
        waiting.set(correlationId, () => {
          waiting.delete(correlationId);
          resolve();
        });
        callerCh.sendToQueue(queue, Buffer.from(JSON.stringify({ seq, payload })), {
          correlationId,
          replyTo,
        });
      }),
    close: async () => {
      await Promise.all([callerConn.close(), serverConn.close()]);
    },
  };
}

/** Median of a non-empty sample. */
function median(values: number[]): number {
  return percentile(values, 50);
}

/**
 * Runs both implementations at each concurrency, alternating them over several rounds so that
 * drift in the machine's load (a shared, two-core box) hits both alike; reports the median rate
 * and the latency percentiles over all rounds.
 */
export async function run(): Promise<BenchResult> {
  const load = os.loadavg()[0]!;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'w2i-bench-rpc-'));
  const rabbit = await RabbitServer.start(dir);
  const rows: (string | number)[][] = [];
  const ratios: number[] = [];
  try {
    for (const concurrency of CONCURRENCY) {
      const impls = [
        await plainAmqp(rabbit.url, `bench.plain.${concurrency}`),
        await rpcLayer(rabbit.url, `bench.rpc.${concurrency}`),
      ];
      const samples: Sample[][] = [[], []];
      try {
        for (let round = 0; round < ROUNDS; round++) {
          for (const k of round % 2 === 0 ? [0, 1] : [1, 0]) {
            samples[k]?.push(await measure((impls[k] as Impl).call, concurrency));
          }
        }
      } finally {
        await Promise.all(impls.map((impl) => impl.close()));
      }
      const [base, ours] = samples.map((s) => ({
        rps: median(s.map((x) => x.rps)),
        p50: percentile(
          s.flatMap((x) => x.latencies),
          50,
        ),
        p99: percentile(
          s.flatMap((x) => x.latencies),
          99,
        ),
      })) as [Summary, Summary];
      // Each round ran both back to back: the median of those paired ratios is robust to the
      // machine's load drifting between rounds.
      const ratio = median(samples[1]!.map((x, k) => x.rps / samples[0]![k]!.rps));
      ratios.push(ratio);
      rows.push([
        concurrency,
        fmt(base.rps),
        fmt(base.p50),
        fmt(base.p99),
        fmt(ours.rps),
        fmt(ours.p50),
        fmt(ours.p99),
        `${(ratio * 100).toFixed(0)}%`,
      ]);
    }
  } finally {
    await rabbit.close();
    await rm(dir, { recursive: true, force: true });
  }
  const header = [
    'concurrency',
    'amqplib rt/s',
    'p50 ms',
    'p99 ms',
    'RpcClient rt/s',
    'p50 ms',
    'p99 ms',
    'ratio',
  ];
  const worst = Math.min(...ratios);
  return {
    title: 'RPC round trips: RpcClient/RpcServer vs plain amqplib',
    body: table(header, rows),
    summary:
      `Closed loop; per concurrency ${ROUNDS} alternating rounds of ${MEASURE_MS} ms (after ${WARMUP_MS} ms warm-up) per implementation, ` +
      `median rate, latency percentiles over all rounds; ~200-byte requests, prefetch ${PREFETCH}; caller and server in one Node process on ` +
      `separate connections, RabbitMQ 3.10 on the same machine (load average ${load.toFixed(1)} at start: a shared box). Ratio: median of the paired per-round ratios. The RPC layer reaches ${(worst * 100).toFixed(0)}% of the plain amqplib ` +
      `baseline's round trips/s at worst (goal: 80%).`,
  };
}
