import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeFailedTasks, explainFailure, judgeRollout, mostTelling, tasksSince, type ObservedTask, type RolloutObservation } from '../../src/core/rollout.ts';
import { describeHealthcheck } from '../../src/core/service-spec.ts';

const now = 1_000_000;
const task = (over: Partial<ObservedTask>): ObservedTask => ({
  id: 'abcdefabcdef0123',
  state: 'running',
  desiredState: 'running',
  release: '2',
  error: undefined,
  message: 'started',
  exitCode: undefined,
  since: now - 10_000,
  ...over,
});
const base: RolloutObservation = { release: '2', desiredReplicas: 2, rolling: false, updateState: undefined, updateMessage: undefined, tasks: [], now, monitorMs: 5000 };

describe('judgeRollout', () => {
  it('waits while tasks start', () => {
    assert.deepEqual(judgeRollout({ ...base, tasks: [task({ state: 'starting' }), task({ id: 'b' })] }), { status: 'waiting', running: 1, desired: 2 });
  });
  it('waits until new tasks have run for the monitor window', () => {
    const fresh = [task({ since: now - 1000 }), task({ id: 'b' })];
    assert.equal(judgeRollout({ ...base, tasks: fresh }).status, 'waiting');
    assert.deepEqual(judgeRollout({ ...base, tasks: [task({}), task({ id: 'b' })] }), { status: 'converged', running: 2 });
  });
  it('a new service whose tasks keep failing has failed', () => {
    const v = judgeRollout({ ...base, tasks: [task({ state: 'failed', error: 'task: non-zero exit (1)', exitCode: 1 }), task({ id: 'b', state: 'failed', exitCode: 1 })] });
    assert.equal(v.status, 'failed');
    assert.equal(v.status === 'failed' && v.rolledBack, false);
  });
  it('a rejected task (e.g. no such image) fails at once', () => {
    assert.equal(judgeRollout({ ...base, tasks: [task({ state: 'rejected', error: 'No such image: x' })] }).status, 'failed');
  });
  it('during a rolling update, failures are left to Swarm until it rolls back', () => {
    const tasks = [task({ state: 'failed' }), task({ id: 'b', state: 'failed' }), task({ id: 'old', release: '1' })];
    assert.equal(judgeRollout({ ...base, rolling: true, updateState: 'updating', tasks }).status, 'waiting');
    assert.equal(judgeRollout({ ...base, rolling: true, updateState: 'rollback_started', tasks }).status, 'waiting');
    const done = judgeRollout({ ...base, rolling: true, updateState: 'rollback_completed', updateMessage: 'rollback completed', tasks });
    assert.deepEqual(done.status === 'failed' && [done.reason, done.rolledBack, done.failedTasks.length], ['rollback completed', true, 2]);
  });
  it('a rolling update converges when Swarm completes it and no old task runs', () => {
    const mixed = [task({}), task({ id: 'b' }), task({ id: 'old', release: '1' })];
    assert.equal(judgeRollout({ ...base, rolling: true, updateState: 'completed', tasks: mixed }).status, 'waiting');
    assert.equal(judgeRollout({ ...base, rolling: true, updateState: 'updating', tasks: mixed.slice(0, 2) }).status, 'waiting');
    assert.equal(judgeRollout({ ...base, rolling: true, updateState: 'completed', tasks: mixed.slice(0, 2) }).status, 'converged');
  });
  it('zero replicas converge when nothing runs', () => {
    assert.deepEqual(judgeRollout({ ...base, desiredReplicas: 0 }), { status: 'converged', running: 0 });
  });
});

describe('describeFailedTasks', () => {
  it('names the task, its state, the error and the exit code', () => {
    assert.deepEqual(describeFailedTasks([task({ state: 'failed', error: 'task: non-zero exit (1)', exitCode: 1 })]), ['task abcdefabcdef failed: task: non-zero exit (1) (exit code 1)']);
  });
});

describe('a task that ends by itself', () => {
  it('fails a first release like a crash: a service\'s tasks never complete on their own', () => {
    const tasks = [task({ state: 'complete', exitCode: 0 }), task({ id: 'b', state: 'complete', exitCode: 0 })];
    const verdict = judgeRollout({ release: '2', desiredReplicas: 1, rolling: false, updateState: undefined, updateMessage: undefined, tasks, now: 0, monitorMs: 1000 });
    assert.equal(verdict.status, 'failed');
  });
});

describe('explainFailure', () => {
  const unhealthy = task({ state: 'failed', error: 'task: non-zero exit (137): dockerexec: unhealthy container', exitCode: 137 });
  it('names the failed health check', () => {
    assert.equal(explainFailure([unhealthy], 'GET /healthz on port 8000'), 'the health check (GET /healthz on port 8000) failed on task abcdefabcdef');
    assert.equal(explainFailure([unhealthy], undefined), "the health check (the image's HEALTHCHECK) failed on task abcdefabcdef");
    const said = 'GET http://127.0.0.1:8000/healthz answered 503 Service Unavailable';
    assert.equal(
      explainFailure([unhealthy], 'GET /healthz on port 8000', [{ taskId: unhealthy.id, output: said }]),
      `the health check (GET /healthz on port 8000) failed on task abcdefabcdef: ${said}`,
    );
    // An app that exits cleanly on the SIGTERM Swarm sends an unhealthy task ends `complete`:
    // only its health log says why.
    const clean = task({ state: 'complete', message: 'finished', exitCode: 0 });
    assert.equal(explainFailure([clean], 'GET /healthz on port 8000'), undefined);
    assert.equal(explainFailure([clean], 'GET /healthz on port 8000', [{ taskId: clean.id, output: said }]), `the health check (GET /healthz on port 8000) failed on task abcdefabcdef: ${said}`);
    assert.deepEqual(describeFailedTasks([clean], 'GET /healthz on port 8000', [{ taskId: clean.id, output: said }]), [
      `task abcdefabcdef complete: finished; health check: GET /healthz on port 8000: ${said}`,
    ]);
  });
  it('says a container exited at start, with its exit code', () => {
    assert.equal(explainFailure([task({ state: 'failed', error: 'task: non-zero exit (1)', exitCode: 1 })], undefined), 'the container exited with code 1 (task abcdefabcdef)');
  });
  it('passes on why Swarm rejected a task', () => {
    assert.equal(explainFailure([task({ state: 'rejected', error: 'No such image: acme/shop:9' })], undefined), 'Swarm could not start task abcdefabcdef: No such image: acme/shop:9');
  });
  it('has nothing to say without a failed task', () => {
    assert.equal(explainFailure([], undefined), undefined);
  });
  it('task lines name the health check too', () => {
    assert.deepEqual(describeFailedTasks([unhealthy], 'GET /healthz on port 8000'), [
      'task abcdefabcdef failed: task: non-zero exit (137): dockerexec: unhealthy container (exit code 137); health check: GET /healthz on port 8000',
    ]);
  });
});

describe('describeHealthcheck', () => {
  const h = { intervalSeconds: 2, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 0 };
  it('describes a path probe, a command, or nothing (the image decides)', () => {
    assert.equal(describeHealthcheck({ ...h, path: '/healthz' }, 8000), 'GET /healthz on port 8000');
    assert.equal(describeHealthcheck({ ...h, cmd: 'pg_isready' }, 8000), '`pg_isready`');
    assert.equal(describeHealthcheck(undefined, 8000), undefined);
  });
});

describe('tasksSince', () => {
  const at = (state: string, createdAt: string) => ({ state, createdAt });
  it('drops ended tasks of earlier attempts, keeps everything alive', () => {
    const start = Date.parse('2026-01-01T00:10:00Z');
    const tasks = [
      at('failed', '2026-01-01T00:05:00Z'),
      at('shutdown', '2026-01-01T00:05:30Z'),
      at('running', '2026-01-01T00:01:00Z'),
      at('failed', '2026-01-01T00:10:02Z'),
      at('complete', '2026-01-01T00:09:59.500Z'),
    ];
    assert.deepEqual(tasksSince(tasks, start), [tasks[2], tasks[3], tasks[4]]);
  });
});

describe('mostTelling', () => {
  it('picks what the failing probes said most often, the latest on a tie', () => {
    const answered = 'GET http://127.0.0.1:8000/x answered 404 Not Found';
    const reset = 'GET http://127.0.0.1:8000/x: the connection was reset';
    assert.equal(mostTelling([answered, answered, reset]), answered);
    assert.equal(mostTelling([reset, answered, answered]), answered);
    assert.equal(mostTelling([answered, reset]), reset);
    assert.equal(mostTelling([]), '');
  });
});
