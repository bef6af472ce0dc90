// amqplib writes every frame to the socket on its own; corking the socket around each pass of its
// frame muxer turns all the frames of one pass (every publish and ack of an event-loop turn) into
// one writev. Profiles of the fan-out and heartbeat benchmarks put a third of each process's CPU
// in those per-frame socket writes. Internal to src/rpc.
import type { ChannelModel } from 'amqplib';

interface AmqplibInternals {
  connection?: {
    stream?: { cork?: () => void; uncork?: () => void };
    muxer?: { _readIncoming?: () => void };
  };
}

/** Corks the connection's socket around each muxer pass; false (and nothing changed) if amqplib's internals differ. */
export function coalesceWrites(model: ChannelModel): boolean {
  const { stream, muxer } = (model as unknown as AmqplibInternals).connection ?? {};
  const pass = muxer?._readIncoming;
  if (!stream?.cork || !stream.uncork || !muxer || typeof pass !== 'function') return false;
  muxer._readIncoming = function (this: unknown) {
    stream.cork!();
    try {
      pass.call(this);
    } finally {
      stream.uncork!();
    }
  };
  return true;
}
