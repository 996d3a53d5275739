/**
 * `futuswarm-agent node-serve`: the forced command for the cluster's node key, on every node.
 * A manager's agent reaches a task on this node through it (app:exec on another node). It
 * answers three requests: exec into a running container that belongs to the named app, remove
 * a finished job container of the named app (app:run), which still holds its environment, how
 * this node's agent is doing (admin agent:status, on managers), and install a newer agent bundle
 * (admin agent:upgrade).
 * The person's ACL check and the audit record happen on the manager, which already controls
 * every node through Swarm; this side only makes sure the channel cannot reach anything else
 * (a container that is not an app's task, a shell on the node).
 */
import { hostname } from 'node:os';
import { FutuswarmError, isFutuswarmError, parseWith } from '../core/errors.ts';
import { JOB_LABEL } from '../core/job-spec.ts';
import { LABEL } from '../core/service-spec.ts';
import { nodeRequestSchema, type Event } from '../protocol.ts';
import { detachedChannel } from './client-channel.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { runAttachedExec } from './exec-session.ts';
import { localAgentStatus } from './agent-status.ts';
import { readJsonRequest, type ServeIo } from './serve.ts';
import { refuseReservedKeys } from '../core/reserved-keys.ts';

/** Swarm puts this label on every task container; containers started by hand lack it. */
const SWARM_TASK_LABEL = 'com.docker.swarm.task.id';

export async function nodeServe(loadConfig: () => Promise<AgentConfig>, io: ServeIo): Promise<number> {
  const emit = (event: Event): void => io.write(`${JSON.stringify(event)}\n`);
  try {
    const raw = await readJsonRequest(io.input);
    refuseReservedKeys(raw, 'bad node request');
    const request = parseWith(nodeRequestSchema(), raw, 'bad node request', { code: 'protocol' });
    const config = await loadConfig();
    if (!config.nodeChannel) throw new FutuswarmError('unavailable', 'this node has no nodeChannel in its agent config');
    if (request.op === 'node.agent.status') {
      emit({ type: 'result', data: await localAgentStatus(config) });
      return 0;
    }
    if (request.op === 'node.agent.upgrade') {
      const { upgradeHere } = await import('./agent-install.ts');
      const done = await upgradeHere(config, request.bundle, hostname(), (message) => emit({ type: 'progress', step: 'agent-upgrade', message }));
      emit({ type: 'result', data: done });
      return 0;
    }
    const channel = io.channel ?? detachedChannel();
    const gone = channel.watch();
    const { DockerEngine } = await import('../docker/engine.ts');
    const docker = await DockerEngine.connect();
    if (request.op === 'node.remove') {
      const found = await docker.containerLabels(request.containerId);
      // Only what app:run leaves behind: a Swarm job task of that app that has finished.
      if (!found || found.running || found.labels[JOB_LABEL.app] !== request.app || found.labels[SWARM_TASK_LABEL] === undefined) {
        throw new FutuswarmError('not_found', `no finished job of ${request.app} with container ${request.containerId.slice(0, 12)} on this node`);
      }
      emit({ type: 'result', data: { removed: await docker.removeContainer(request.containerId) } });
      return 0;
    }
    const labels = await docker.runningContainerLabels(request.containerId);
    // One of the app's tasks, or its one-off task of app:run -it.
    if (!labels || (labels[LABEL.app] !== request.app && labels[JOB_LABEL.app] !== request.app) || labels[SWARM_TASK_LABEL] === undefined) {
      throw new FutuswarmError('not_found', `no running task of ${request.app} with container ${request.containerId.slice(0, 12)} on this node`, {
        hint: `the task may have just stopped; futuswarm app:inspect -n ${request.app} lists the running ones`,
      });
    }
    const exitCode = await runAttachedExec(
      docker,
      request.containerId,
      request.name,
      { command: request.command, interactive: request.interactive, tty: request.tty, cols: request.cols, rows: request.rows },
      { emit, channel, gone },
    );
    emit({ type: 'result', data: { exitCode } });
    return 0;
  } catch (e) {
    const error = isFutuswarmError(e) ? e : new FutuswarmError('internal', `the node agent failed: ${(e as Error).message}`, { cause: e });
    if (!isFutuswarmError(e)) process.stderr.write(`futuswarm-agent node-serve: ${(e as Error).stack ?? String(e)}\n`);
    emit({ type: 'error', code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) });
    return 1;
  }
}
