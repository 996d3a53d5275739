import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAssignments, readDotenvSource, renderExport } from '../../src/cli/commands/app-secrets.ts';
import { parseDotenv } from '../../src/core/dotenv.ts';

const noFile = (p: string): string => {
  throw Object.assign(new Error(`no ${p}`), { code: 'ENOENT' });
};
const noStdin = async (): Promise<string> => {
  throw new Error('stdin should not be read');
};

describe('app:secrets set arguments', () => {
  it('takes KEY=value, keeping "=" inside values', async () => {
    assert.deepEqual(await parseAssignments(['A=1', 'URL=postgres://u:p@h/db?x=y'], noFile, noStdin), { A: '1', URL: 'postgres://u:p@h/db?x=y' });
  });
  it('reads @file exactly and stdin without its final newline', async () => {
    const values = await parseAssignments(['PEM=@/k.pem', 'TOKEN=-'], (p) => (p === '/k.pem' ? 'line\n' : ''), async () => 's3cret\n');
    assert.deepEqual(values, { PEM: 'line\n', TOKEN: 's3cret' });
  });
  it('refuses bad keys, duplicates, two stdin values and unreadable files', async () => {
    await assert.rejects(parseAssignments(['lower=1'], noFile, noStdin), /must be an environment variable name/);
    await assert.rejects(parseAssignments(['NOEQUALS'], noFile, noStdin), /is not KEY=value/);
    await assert.rejects(parseAssignments(['A=1', 'A=2'], noFile, noStdin), /A is given twice/);
    await assert.rejects(parseAssignments(['A=-', 'B=-'], noFile, async () => 'x'), /only one value can come from stdin/);
    await assert.rejects(parseAssignments(['A=@/missing'], noFile, noStdin), /A: cannot read \/missing: ENOENT/);
  });
  it('refuses KEY=- when standard input is empty (a failed pipe), but takes an explicit empty value', async () => {
    await assert.rejects(parseAssignments(['TOKEN=-'], noFile, async () => ''), /TOKEN=-: standard input was empty, so nothing was changed/);
    assert.deepEqual(await parseAssignments(['TOKEN=-'], noFile, async () => '\n'), { TOKEN: '' });
    assert.deepEqual(await parseAssignments(['TOKEN='], noFile, noStdin), { TOKEN: '' });
  });
});

describe('app:secrets import and export', () => {
  it('reads the named file, or standard input for -', async () => {
    assert.deepEqual(await readDotenvSource('prod.env', (p) => `FILE=${p}`, noStdin), { text: 'FILE=prod.env', source: 'prod.env' });
    assert.deepEqual(await readDotenvSource('-', noFile, async () => 'A=1\n'), { text: 'A=1\n', source: 'standard input' });
    await assert.rejects(readDotenvSource('missing.env', noFile, noStdin), /cannot read missing\.env: ENOENT/);
  });
  it('exports env that parses back to the values, or one sorted JSON object', () => {
    const values = { B: 'two words', A: 'x"y\nz' };
    const result = { app: 'shop', version: 'v1', values };
    const env = renderExport(result, 'env');
    assert.equal(env, 'A="x\\"y\\nz"\nB=\'two words\'\n');
    assert.deepEqual(parseDotenv(env), { ok: true, values: { A: 'x"y\nz', B: 'two words' }, lines: { A: 1, B: 2 } });
    assert.equal(renderExport(result, 'json'), '{\n  "A": "x\\"y\\nz",\n  "B": "two words"\n}\n');
    assert.equal(renderExport({ ...result, values: {} }, 'env'), '');
  });
});
