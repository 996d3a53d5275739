/** What the everyday tables show: --limit and its note, the newest images, the live tasks; as data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { limitFlag } from '../../src/cli/command.ts';
import { newestImages, renderImages } from '../../src/cli/commands/app-images.ts';
import { liveTasks } from '../../src/cli/commands/app-inspect.ts';
import { clip, limitNote } from '../../src/cli/table.ts';
import { isFutuswarmError } from '../../src/core/errors.ts';

const now = Date.parse('2026-12-04T12:00:00.000Z');
const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();

describe('--limit', () => {
  const parse = limitFlag('--limit', 1000);
  for (const [value, n] of [['1', 1], ['20', 20], ['1000', 1000]] as const) it(`takes ${value}`, () => assert.equal(parse(value), n));
  for (const value of ['0', '1001', '-1', '2.5', 'ten', '']) {
    it(`refuses "${value}" as invalid input`, () => assert.throws(() => parse(value), (e) => isFutuswarmError(e) && e.code === 'invalid_input' && e.message.startsWith('--limit: ')));
  }
  it('says what it left out', () => {
    assert.equal(limitNote(3, 'older images'), '3 older images left out; use --limit to see them');
    assert.equal(limitNote('some', 'older records'), 'older records left out; use --limit to see them');
  });
});

describe('app:images', () => {
  const image = (n: number, minutes: number) => ({
    digest: `sha256:${String(n).repeat(64)}`,
    tags: [String(n)],
    size: 2048,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    pushedBy: 'alice',
    pushedAt: ago(minutes),
    reference: `localhost:5000/shop@sha256:${String(n).repeat(64)}`,
    releases: [n],
  });
  const r = { app: 'shop', repository: 'localhost:5000/shop', images: [image(1, 3 * 1440), image(3, 3), image(2, 120)] };

  it('the newest first, as many as --limit, and how many that leaves out', () => {
    const { shown, more } = newestImages(r, 2);
    assert.deepEqual(shown.images.map((i) => i.tags[0]), ['3', '2']);
    assert.equal(more, 1);
    assert.equal(newestImages(r, Infinity).more, 0);
  });

  it('times relative to now, and the note under the table', () => {
    const lines = renderImages(newestImages(r, 2).shown, now, 1).split('\n');
    assert.match(lines[2]!, /alice\s+3m ago\s+3$/);
    assert.match(lines[3]!, /alice\s+2h ago\s+2$/);
    assert.deepEqual(lines.slice(4), ['', '1 older images left out; use --limit to see them']);
  });
});

describe('app:inspect tasks', () => {
  const tasks = [
    { id: 'run', state: 'running', desiredState: 'running', since: ago(600) },
    { id: 'start', state: 'starting', desiredState: 'running', since: ago(1) },
    { id: 'stopping', state: 'running', desiredState: 'shutdown', since: ago(1) },
    { id: 'new-fail', state: 'failed', desiredState: 'shutdown', since: ago(2) },
    { id: 'old-fail', state: 'failed', desiredState: 'shutdown', since: ago(30) },
    { id: 'shutdown', state: 'shutdown', desiredState: 'shutdown', since: ago(1) },
    { id: 'complete', state: 'complete', desiredState: 'shutdown', since: ago(1) },
    { id: 'rejected', state: 'rejected', desiredState: 'shutdown', since: ago(4) },
  ];
  it('without --all: live ones (not those an update is stopping) and failures of the last five minutes', () => {
    assert.deepEqual(liveTasks(tasks, now).map((t) => t.id), ['run', 'start', 'new-fail', 'rejected']);
  });
});

describe('clip', () => {
  const cases: [string, number, string][] = [['short', 10, 'short'], ['exactly10!', 10, 'exactly10!'], ['one too long', 10, 'one too l…'], ['first\nsecond', 10, 'first…'], ['', 5, '']];
  for (const [text, max, shown] of cases) it(`${JSON.stringify(text)} in ${max} → ${JSON.stringify(shown)}`, () => assert.equal(clip(text, max), shown));
});
