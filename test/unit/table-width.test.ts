/** Tables and fields no wider than 100 terminal columns: what is cut, where, and how wide a character is; as data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitLine, MAX_WIDTH, renderFields, renderTable, truncate } from '../../src/cli/table.ts';
import { displayWidth } from '../../src/core/terminal-text.ts';

const widest = (text: string): number => Math.max(...text.split('\n').map(displayWidth));

describe('displayWidth', () => {
  const cases: [string, number][] = [['abc', 3], ['', 0], ['日本語', 6], ['e\u0301', 1], ['🚀 go', 5], ['…', 1], ['a\u200bb', 2]];
  for (const [text, width] of cases) it(`${JSON.stringify(text)} takes ${width}`, () => assert.equal(displayWidth(text), width));
});

describe('truncate', () => {
  const cases: [string, number, string][] = [['short', 10, 'short'], ['exactly10!', 10, 'exactly10!'], ['one too long', 10, 'one too l…'], ['日本語のメモ', 7, '日本語…'], ['日本語のメモ', 6, '日本…']];
  for (const [text, max, shown] of cases) it(`${JSON.stringify(text)} in ${max} → ${JSON.stringify(shown)}`, () => assert.equal(truncate(text, max), shown));
  it('never goes over', () => {
    for (let max = 1; max < 12; max++) assert.ok(displayWidth(truncate('日本語のメモ and more', max)) <= max);
  });
});

describe('renderTable', () => {
  it('a table that fits is left as it is', () => {
    assert.equal(renderTable(['A', 'B'], [['x', 'yy'], ['long', '']]), 'A     B\nx     yy\nlong');
  });

  it('the widest columns give way first, cut at their end with …', () => {
    const image = `registry.example.com:5000/team/${'shop-'.repeat(20)}@sha256:${'ab'.repeat(32)}`;
    const url = `https://${'shop-'.repeat(20)}.apps.example.com`;
    const lines = renderTable(['APP', 'IMAGE', 'TASKS', 'URL'], [['shop', image, '1/1', url]]).split('\n');
    assert.ok(lines.every((l) => displayWidth(l) <= MAX_WIDTH), lines.join('\n'));
    assert.equal(displayWidth(lines[1]!), MAX_WIDTH);
    assert.match(lines[1]!, /^shop {2}registry\.example\.com:5000\S*… {2}1\/1 {4}https:\/\/shop-\S*…$/);
  });

  it('columns named whole are not cut', () => {
    const name = 'a'.repeat(40);
    const lines = renderTable(['APP', 'IMAGE'], [[name, 'x'.repeat(200)]], { whole: ['APP'] }).split('\n');
    assert.ok(lines[1]!.startsWith(`${name}  xxx`));
    assert.equal(displayWidth(lines[1]!), MAX_WIDTH);
  });

  it('counts wide characters as two columns, and escapes control characters before it measures', () => {
    const lines = renderTable(['NOTE', 'WHO'], [['日本語'.repeat(30), 'alice'], ['\u001b[2J', 'bob']]).split('\n');
    assert.ok(widest(lines.join('\n')) <= MAX_WIDTH);
    assert.match(lines[1]!, /…\s+alice$/);
    assert.match(lines[2]!, /^\\u001b\[2J\s+bob$/);
  });
});

describe('renderFields', () => {
  it('aligns the values, one line each, a list one value a line, each cut to 100 columns', () => {
    const text = renderFields([['app', 'shop'], ['domains', ['a.example.com', 'b.example.com']], ['empty', []], ['image', 'x'.repeat(300)]]);
    assert.deepEqual(text.split('\n').slice(0, 4), ['app:     shop', 'domains: a.example.com', '         b.example.com', 'empty:   (none)']);
    assert.equal(displayWidth(text.split('\n')[4]!), MAX_WIDTH);
    assert.ok(text.endsWith('x…'));
  });

  it('a line of free text: its first line, escaped, cut', () => {
    assert.equal(fitLine('one\ntwo'), 'one…');
    assert.equal(fitLine('\u001b]0;title'), '\\u001b]0;title');
    assert.equal(displayWidth(fitLine('y'.repeat(500))), MAX_WIDTH);
  });
});

describe('renderTable when whole columns cannot stay whole', () => {
  it('they are cut like the others, and the table still fits', () => {
    const headers = ['NAME', 'ROLE', 'AVAILABILITY', 'STATE', 'MANAGER', 'ADDRESS', 'ENGINE', 'TASKS', 'LABELS'];
    const row = [`${'ip-10-20-30-40.'.repeat(4)}internal *`, 'manager', 'active', 'ready', 'leader', '10.20.30.40', '27.3.1', '42', 'zone=a,rack=r12'];
    const lines = renderTable(headers, [row], { whole: ['NAME'] }).split('\n');
    assert.ok(lines.every((l) => displayWidth(l) <= MAX_WIDTH), lines.join('\n'));
    assert.match(lines[1]!, /^ip-10-20-30-40\.\S*…/);
  });

  it('more columns than fit at all: even the headers are cut', () => {
    const headers = Array.from({ length: 30 }, (_, i) => `COLUMN${i}`);
    const lines = renderTable(headers, [headers.map(() => 'value')]).split('\n');
    assert.ok(lines.every((l) => displayWidth(l) <= MAX_WIDTH), lines.join('\n'));
  });
});
