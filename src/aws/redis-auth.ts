/**
 * The AUTH half of `cache:create`: a few Redis commands over one short connection (RESP2,
 * plain TCP or TLS), enough to prove that a cache accepts an app's token, and to register the
 * token on a Redis of your own that stands in for ElastiCache. No Redis client library: three
 * commands do not justify one.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { FutuswarmError } from '../core/errors.ts';

export interface RedisEndpoint {
  host: string;
  port: number;
  tls: boolean;
}

export type RedisReply = string | number | null | RedisReply[] | RedisError;

export class RedisError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** One command in RESP: an array of bulk strings. */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
  return Buffer.from(parts.join(''));
}

/** Parse one reply at `offset`; undefined when the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, offset = 0): { reply: RedisReply; next: number } | undefined {
  const eol = buf.indexOf('\r\n', offset);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[offset]!);
  const line = buf.toString('utf8', offset + 1, eol);
  const after = eol + 2;
  switch (type) {
    case '+':
      return { reply: line, next: after };
    case '-':
      return { reply: new RedisError(line), next: after };
    case ':':
      return { reply: Number(line), next: after };
    case '$': {
      const len = Number(line);
      if (len < 0) return { reply: null, next: after };
      if (buf.length < after + len + 2) return undefined;
      return { reply: buf.toString('utf8', after, after + len), next: after + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, next: after };
      const items: RedisReply[] = [];
      let next = after;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, next);
        if (item === undefined) return undefined;
        items.push(item.reply);
        next = item.next;
      }
      return { reply: items, next };
    }
    default:
      throw new FutuswarmError('protocol', `unexpected reply from Redis (starts with ${JSON.stringify(type)})`);
  }
}

function describe(endpoint: RedisEndpoint): string {
  return `${endpoint.tls ? 'rediss' : 'redis'}://${endpoint.host}:${endpoint.port}`;
}

/**
 * Send `commands` in order over one connection and return their replies (errors included, as
 * RedisError). Connection failures become `unavailable`.
 */
export async function redisCommands(endpoint: RedisEndpoint, commands: readonly (readonly string[])[], options: { timeoutMs?: number } = {}): Promise<RedisReply[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise<RedisReply[]>((resolve, reject) => {
    const socket: Socket = endpoint.tls
      ? tlsConnect({ host: endpoint.host, port: endpoint.port, servername: endpoint.host })
      : tcpConnect({ host: endpoint.host, port: endpoint.port });
    const replies: RedisReply[] = [];
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(replies);
    };
    socket.setTimeout(timeoutMs, () =>
      finish(new FutuswarmError('unavailable', `${describe(endpoint)} did not answer within ${timeoutMs} ms`, { hint: 'is the cache available? futuswarm cache:info -n <app> shows its state' })),
    );
    socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
      socket.write(Buffer.concat(commands.map((c) => encodeCommand(c))));
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        for (;;) {
          const parsed = parseReply(buf);
          if (parsed === undefined) break;
          replies.push(parsed.reply);
          buf = buf.subarray(parsed.next);
        }
      } catch (e) {
        finish(e as Error);
        return;
      }
      if (replies.length >= commands.length) finish();
    });
    socket.on('error', (e: NodeJS.ErrnoException) =>
      finish(new FutuswarmError('unavailable', `cannot reach Redis at ${describe(endpoint)}: ${e.code ?? e.message}`, { hint: 'is the cache available? futuswarm cache:info -n <app> shows its state', cause: e })),
    );
    socket.on('close', () => finish(new FutuswarmError('unavailable', `Redis at ${describe(endpoint)} closed the connection after ${replies.length} of ${commands.length} replies`)));
  });
}

function authError(endpoint: RedisEndpoint, reply: RedisError, who: string): FutuswarmError {
  return new FutuswarmError('forbidden', `Redis at ${describe(endpoint)} refused ${who}: ${reply.message}`);
}

/** Log in with `token` and PING: proves the cache accepts the app's token. */
export async function checkRedisAuth(endpoint: RedisEndpoint, token: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const [auth, ping] = await redisCommands(endpoint, [['AUTH', token], ['PING']], options);
  if (auth instanceof RedisError) throw authError(endpoint, auth, 'the AUTH token');
  if (ping !== 'PONG') throw new FutuswarmError('unavailable', `Redis at ${describe(endpoint)} answered PING with ${JSON.stringify(ping)}`);
}

async function adminCommands(endpoint: RedisEndpoint, adminPassword: string, commands: string[][]): Promise<RedisReply[]> {
  const [auth, ...rest] = await redisCommands(endpoint, [['AUTH', adminPassword], ...commands]);
  if (auth instanceof RedisError) throw authError(endpoint, auth, 'the admin password');
  // ACL SAVE fails on a server without an ACL file; the change then lasts until it restarts.
  const failed = rest.find((r, i) => r instanceof RedisError && commands[i]!.join(' ') !== 'ACL SAVE');
  if (failed instanceof RedisError) throw new FutuswarmError('internal', `Redis at ${describe(endpoint)} refused ${commands.map((c) => c.slice(0, 2).join(' ')).join(', ')}: ${failed.message}`);
  return rest;
}

/**
 * Make `token` a password of the server's `default` user, as ElastiCache does with a new
 * group's AUTH token. ACL SAVE keeps it across restarts when the server has an ACL file.
 */
export async function addRedisPassword(endpoint: RedisEndpoint, adminPassword: string, token: string): Promise<void> {
  await adminCommands(endpoint, adminPassword, [['ACL', 'SETUSER', 'default', 'on', `>${token}`], ['ACL', 'SAVE']]);
}

/** Take `token` away again (cache:destroy). */
export async function removeRedisPassword(endpoint: RedisEndpoint, adminPassword: string, token: string): Promise<void> {
  await adminCommands(endpoint, adminPassword, [['ACL', 'SETUSER', 'default', `<${token}`], ['ACL', 'SAVE']]);
}
