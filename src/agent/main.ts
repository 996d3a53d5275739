/**
 * futuswarm-agent: the manager side. sshd runs `authorized-keys` to map a key to a person and
 * `serve --user <name>` as that key's forced command.
 */
import { userName } from '../core/names.ts';
import { VERSION } from '../version.ts';

const USAGE = `usage:
  futuswarm-agent authorized-keys <os-user> <key-type> <key>   (sshd AuthorizedKeysCommand %u %t %k)
  futuswarm-agent serve --user <name>                           (sshd forced command)
  futuswarm-agent node-serve                                    (sshd forced command for the cluster's node key)
  futuswarm-agent supervise                                     (keeps the resident agent running; SIGHUP hands over to a new one)
  futuswarm-agent daemon [--socket <path>]                      (the resident agent; the relay hands it people's requests)
  futuswarm-agent state:ensure                                  (create the state bucket and KMS key if missing)
  futuswarm-agent node-key:ensure                               (create the cluster's node key if missing; print its public half)
  futuswarm-agent proxy:ensure                                  (deploy the proxy if missing or changed, as admin proxy:deploy; at a manager's first boot)
  futuswarm-agent registry:ensure                               (deploy the cluster registry if missing or changed, as admin registry:deploy)
  futuswarm-agent node:register --addr <ip> [--hostname <name>] [--host-key <file.pub>]...
                                                                (publish this node's SSH host keys for managers)
  futuswarm-agent --version`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'authorized-keys': {
      const [osUser, type, key] = rest;
      if (osUser === undefined || type === undefined || key === undefined) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      // sshd reads stdout as authorized_keys lines: only the answer goes there, and on any
      // failure nothing does (the key is refused); the reason goes to the log.
      const { authorizedKeys, authorizedKeysLog, refusedKeyLine } = await import('./authorized-keys.ts');
      let log = authorizedKeysLog(undefined);
      try {
        const { loadAgentConfig } = await import('../config/agent-config.ts');
        const config = await loadAgentConfig();
        log = authorizedKeysLog(config);
        const line = await authorizedKeys(config, osUser, type, key, { log });
        if (line) process.stdout.write(`${line}\n`);
        return 0;
      } catch (e) {
        const { isFutuswarmError } = await import('../core/errors.ts');
        log(refusedKeyLine(osUser, type, isFutuswarmError(e) ? e.message : ((e as Error).stack ?? String(e))));
        return 1;
      }
    }
    case 'serve': {
      const user = rest[0] === '--user' ? userName.safeParse(rest[1]) : undefined;
      if (!user?.success || rest.length !== 2) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      const { loadAgentConfig } = await import('../config/agent-config.ts');
      const { serve } = await import('./serve.ts');
      const { openClientChannel, PROCESS_HOOKS } = await import('./client-channel.ts');
      // The client may go away mid-deploy: finish the op and release the lock anyway.
      process.stdout.on('error', () => undefined);
      // serve() reads the request line; what follows stays for ops that attach (app:exec).
      const { channel, request } = openClientChannel(process.stdin, process.stdout, PROCESS_HOOKS);
      return serve(
        user.data,
        () => loadAgentConfig(),
        { input: request, write: (line) => process.stdout.write(line), channel },
        {
          // sshd's SIGHUP: release the app's lock and go, rather than leave it until it expires.
          onLock: (lock) => {
            const hangup = () => void lock.release().finally(() => process.exit(129));
            process.once('SIGHUP', hangup);
            process.once('SIGTERM', hangup);
            return () => {
              process.off('SIGHUP', hangup);
              process.off('SIGTERM', hangup);
            };
          },
        },
      );
    }
    case 'node-serve': {
      if (rest.length !== 0) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      process.stdout.on('error', () => undefined);
      const { loadAgentConfig } = await import('../config/agent-config.ts');
      const { nodeServe } = await import('./node-serve.ts');
      const { openClientChannel, PROCESS_HOOKS } = await import('./client-channel.ts');
      const { channel, request } = openClientChannel(process.stdin, process.stdout, PROCESS_HOOKS);
      return nodeServe(() => loadAgentConfig(), { input: request, write: (line) => process.stdout.write(line), channel });
    }
    case 'daemon': {
      if (!(rest.length === 0 || (rest.length === 2 && rest[0] === '--socket' && rest[1]?.startsWith('/')))) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      const { runDaemon } = await import('./daemon.ts');
      return runDaemon({ ...(rest[1] ? { socket: rest[1] } : {}), onReady: () => process.send?.('ready') });
    }
    case 'supervise': {
      if (!(rest.length === 0 || (rest.length === 2 && rest[0] === '--socket' && rest[1]?.startsWith('/')))) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      const { loadAgentConfig } = await import('../config/agent-config.ts');
      const { supervise } = await import('./supervise.ts');
      return supervise((await loadAgentConfig()).agentCommand, rest);
    }
    case 'node-key:ensure': {
      const { loadAgentConfig } = await import('../config/agent-config.ts');
      const { openState } = await import('./open-state.ts');
      const { generateEd25519KeyPair } = await import('../ssh/keygen.ts');
      const config = await loadAgentConfig();
      const state = await openState(config);
      const key = await state.clusterSecrets.ensureNodeKey(() => generateEd25519KeyPair(`futuswarm-node@${config.cluster}`));
      process.stderr.write(`node key of ${config.cluster} ${key.created ? 'created' : 'exists'}\n`);
      process.stdout.write(`${key.publicKey}\n`);
      return 0;
    }
    case 'proxy:ensure':
    case 'registry:ensure': {
      // One bootstrap leaves a serving proxy and registry: the first manager runs these at boot
      // (cloud-init), the same deploys as `futuswarm admin proxy:deploy` / `registry:deploy`.
      if (rest.length !== 0) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      const { loadAgentConfig } = await import('../config/agent-config.ts');
      const { opContext } = await import('./serve.ts');
      const config = await loadAgentConfig();
      const ctx = opContext('futuswarm-agent', config, (event) => {
        if (event.type === 'progress') process.stderr.write(`${event.message}\n`);
      }, new AbortController().signal);
      if (command === 'proxy:ensure') {
        const { deployProxy } = await import('./ops/admin-proxy-deploy.ts');
        const result = await deployProxy(ctx, {});
        process.stdout.write(`${result.service} ${result.changed ? 'deployed' : 'unchanged'}: ${result.image}, HTTP on port ${result.httpPort}, ${result.tasks} task(s)\n`);
      } else {
        const { deployRegistry } = await import('./ops/admin-registry-deploy.ts');
        const { result } = await deployRegistry(ctx, {});
        process.stdout.write(`${result.service} ${result.changed ? 'deployed' : 'unchanged'}: ${result.image} on ${result.address} of ${result.tasks} node(s), storage ${result.storage}\n`);
      }
      return 0;
    }
    case 'node:register': {
      const { parseNodeRegisterArgs, registerThisNode } = await import('./node-register.ts');
      const parsed = parseNodeRegisterArgs(rest);
      if (!parsed) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      const record = await registerThisNode(parsed);
      process.stdout.write(`registered ${record.hostname} (${record.addr}) with ${record.hostKeys.length} host key(s)\n`);
      return 0;
    }
    case 'state:ensure': {
      const { loadAgentConfig } = await import('../config/agent-config.ts');
      const config = await loadAgentConfig();
      const { ensureKeyAlias } = await import('../aws/kms.ts');
      const { ensureStateBucket } = await import('../aws/state-store.ts');
      const tags = { 'futuswarm:cluster': config.cluster };
      const key = config.state.kmsKeyId.startsWith('alias/')
        ? await ensureKeyAlias(config.state.kmsKeyId, { description: `futuswarm ${config.cluster} state`, tags })
        : undefined;
      const bucket = await ensureStateBucket(config.state.bucket, { ...(key ? { kmsKeyId: key.keyId } : {}), tags });
      process.stdout.write(`state bucket ${config.state.bucket} ${bucket.created ? 'created' : 'exists'}; key ${config.state.kmsKeyId} ${key?.created ? 'created' : 'exists'}\n`);
      return 0;
    }
    case '--version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Open Docker sockets must not keep the forced command alive once the answer is out.
    process.stdout.write('', () => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`futuswarm-agent: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
