import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAssignments } from '../../src/cli/commands/app-secrets.ts';

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
