// RPC protocol v1 on RabbitMQ (DESIGN.md): the folder's only surface.
export * from './contract.ts';
export { RpcError, type RpcErrorCode } from './errors.ts';
export {
  RpcConnection,
  type RpcConnectionEvents,
  type RpcConnectionOptions,
} from './connection.ts';
export { PreparedRequest, RpcClient, type RpcClientEvents } from './client.ts';
export { RpcServer, type RpcServerEvents, type RpcServerOptions } from './server.ts';
