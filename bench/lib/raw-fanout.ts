// The fan-out baseline with no project code: amqplib publish + reply to simulated agents' plain
// consumers (bench/lib/sim-agents.ts, `raw`), a bounded number in flight; and the spec pushed.
import amqp from 'amqplib';
import { rawQueue } from './sim-agents.ts';

/** The spec every push carries: a realistic one-host, two-path config (~400 bytes of JSON). */
export const benchSpec = (host: string, selector?: Record<string, string>) => ({
  ...(selector ? { agentSelector: { matchLabels: selector } } : {}),
  rules: [
    {
      host,
      http: {
        paths: [
          {
            path: '/',
            pathType: 'Prefix',
            backend: { upstreams: ['10.0.0.1:8080', '10.0.0.2:8080'] },
          },
          { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: 8080 } } },
        ],
      },
    },
  ],
});

/** One push round to `agents`, returning ms from its start to the last reply. */
export type Round = (agents: readonly string[], generation: number) => Promise<number>;

/** The baseline: amqplib publish + reply, `concurrency` in flight, the same request body. */
export async function rawRound(
  url: string,
  prefix: string,
  concurrency = 64,
): Promise<{ round: Round; close: () => Promise<void> }> {
  const model = await amqp.connect(url, { noDelay: true });
  const channel = await model.createChannel();
  const { queue: replyTo } = await channel.assertQueue('', { exclusive: true });
  const waiting = new Map<string, () => void>();
  await channel.consume(
    replyTo,
    (msg) => {
      if (!msg) return;
      const id = msg.properties.correlationId as string;
      JSON.parse(msg.content.toString());
      waiting.get(id)?.();
    },
    { noAck: true },
  );
  let seq = 0;
  const spec = benchSpec('fanout.example.com');
  return {
    round: (agents, generation) =>
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        const config = { uid: 'raw', namespace: 'default', name: 'fanout', generation, spec };
        let next = 0;
        let done = 0;
        const send = () => {
          const agent = agents[next++] as string;
          const id = String(++seq);
          waiting.set(id, () => {
            waiting.delete(id);
            if (++done === agents.length) resolve(performance.now() - t0);
            else if (next < agents.length) send();
          });
          channel.sendToQueue(rawQueue(agent, prefix), Buffer.from(JSON.stringify({ config })), {
            correlationId: id,
            replyTo,
          });
        };
        while (next < Math.min(concurrency, agents.length)) send();
      }),
    close: () => model.close(),
  };
}
