/**
 * `futuswarm-agent supervise`: keeps one resident agent (`daemon`) running. systemd runs it on
 * a manager (futuswarm-agent.service); scripts/local-cluster.sh runs it on the local cluster.
 *
 * - A daemon that exits on its own is started again, after a pause that grows while it keeps
 *   failing (0.5 s up to 10 s; back to 0.5 s after a minute of service).
 * - SIGHUP hands over without dropping a request: a new daemon (the agent now installed) takes
 *   the socket, then the old one is asked to stop and finishes what it has in flight. A daemon
 *   asks for the same by its IPC channel (`hand-over`, admin agent:upgrade).
 * - SIGTERM stops the daemon the same graceful way, then exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const MIN_PAUSE_MS = 500;
const MAX_PAUSE_MS = 10_000;
const HEALTHY_MS = 60_000;

const say = (message: string): void => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), pid: process.pid, event: 'supervise', message })}\n`);
};

/**
 * `command` is the agent's wrapper (the config's agentCommand): each daemon starts through it,
 * so a hand-over also takes a newly installed Node and agent.env.
 */
export function supervise(command: string, daemonArgs: readonly string[]): Promise<number> {
  let current: ChildProcess | undefined;
  let stopping = false;
  let pause = MIN_PAUSE_MS;
  const children = new Set<ChildProcess>();
  const retired = new WeakSet<ChildProcess>();

  const start = (): ChildProcess => {
    const child = spawn(command, ['daemon', ...daemonArgs], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const startedAt = Date.now();
    children.add(child);
    // A daemon that took the socket retires every other one: they finish their requests and exit
    // (also an old one whose first successor failed to start, and whose next one then did).
    child.on('message', (message) => {
      if (message === 'hand-over' && child === current && !stopping) {
        say('the daemon asked for a hand-over to the agent now installed');
        current = start();
        return;
      }
      if (message !== 'ready' || stopping) return;
      for (const other of children) {
        // Once only: a second SIGTERM tells a daemon to leave without finishing its requests.
        if (other === child || retired.has(other)) continue;
        retired.add(other);
        say('a new daemon took the socket; the old one finishes its requests');
        other.kill('SIGTERM');
      }
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (stopping) {
        if (children.size === 0) finish();
        return;
      }
      if (child !== current) return; // an old daemon that handed over
      say(`the daemon exited (${signal ?? `code ${code}`}); starting it again in ${pause} ms`);
      pause = Date.now() - startedAt > HEALTHY_MS ? MIN_PAUSE_MS : Math.min(pause * 2, MAX_PAUSE_MS);
      const again = pause;
      setTimeout(() => {
        if (!stopping) current = start();
      }, again);
    });
    return child;
  };

  let finish: () => void = () => undefined;
  return new Promise<number>((resolve) => {
    finish = () => resolve(0);
    current = start();
    process.on('SIGHUP', () => {
      if (!stopping) current = start();
    });
    const stop = (): void => {
      if (stopping) {
        for (const child of children) child.kill('SIGKILL');
        return;
      }
      stopping = true;
      if (children.size === 0) finish();
      for (const child of children) if (!retired.has(child)) child.kill('SIGTERM');
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
