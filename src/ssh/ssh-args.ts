/** The OpenSSH client's argv for one agent request, built as data: never a shell string. */
import { join } from 'node:path';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  identityFile?: string | undefined;
  knownHostsFile?: string | undefined;
}

export interface SshArgsOptions {
  /** Directory for the multiplexing sockets; `%C` keeps each path short and unique. */
  controlDir: string;
  controlPersistSeconds: number;
  /** How long ssh waits for the manager to answer (default 10). */
  connectTimeoutSeconds?: number;
  /** Ask for a terminal (app:exec -it). */
  tty?: boolean;
}

export function buildSshArgs(target: SshTarget, options: SshArgsOptions): string[] {
  const args = [
    options.tty ? '-tt' : '-T',
    '-o', 'BatchMode=yes',
    '-o', 'ControlMaster=auto',
    '-o', `ControlPath=${join(options.controlDir, '%C')}`,
    '-o', `ControlPersist=${options.controlPersistSeconds}`,
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=3',
    '-o', `ConnectTimeout=${options.connectTimeoutSeconds ?? 10}`,
    // AES-GCM first: with the AES instructions every current CPU has, pushes cost less CPU.
    '-o', 'Ciphers=^aes128-gcm@openssh.com',
    '-p', String(target.port),
    '-l', target.user,
  ];
  if (target.identityFile) args.push('-i', target.identityFile, '-o', 'IdentitiesOnly=yes');
  if (target.knownHostsFile) args.push('-o', `UserKnownHostsFile=${target.knownHostsFile}`);
  // The server's forced command ignores what we ask to run; name the agent for readable logs.
  args.push('--', target.host, 'futuswarm-agent');
  return args;
}
