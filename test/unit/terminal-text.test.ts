import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FutuswarmError } from '../../src/core/errors.ts';
import { hasControlCharacters, terminalJson, visibleText } from '../../src/core/terminal-text.ts';
import { terminal } from '../helpers/terminal-io.ts';
import { renderTable } from '../../src/cli/table.ts';
import { validateArgs } from '../../src/cli/validate-args.ts';
import { contextSchema } from '../../src/cli/context-schema.ts';
import { OP_ARGS } from '../../src/protocol.ts';

const ESC = '\x1b';
const CSI_CLEAR = `${ESC}[2J`;
const OSC_TITLE = `${ESC}]0;pwned\x07`;
const C1_CSI = '\u009b31m';

/** Any raw control character but line feed (the lines a TerminalIo writes end with one). */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('visibleText', () => {
  const cases: { text: string; lines?: boolean; shown: string }[] = [
    { text: 'plain text, ünïcode ✓', shown: 'plain text, ünïcode ✓' },
    { text: `red ${ESC}[31mflag`, shown: 'red \\u001b[31mflag' },
    { text: OSC_TITLE, shown: '\\u001b]0;pwned\\u0007' },
    { text: C1_CSI, shown: '\\u009b31m' },
    { text: 'bell\x07 del\x7f nul\x00', shown: 'bell\\u0007 del\\u007f nul\\u0000' },
    { text: 'a\nb\tc\rd', shown: 'a\\u000ab\\u0009c\\u000dd' },
    { text: 'a\nb\tc\rd', lines: true, shown: 'a\nb\tc\\u000dd' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.text)}${c.lines ? ' (lines)' : ''} → ${c.shown}`, () => {
      assert.equal(visibleText(c.text, { lines: c.lines }), c.shown);
      assert.equal(visibleText(c.shown, { lines: c.lines }), c.shown, 'escaping twice changes nothing');
    });
  }

  it('hasControlCharacters sees C0, DEL and C1, line breaks and tabs included', () => {
    assert.deepEqual(['ok', 'a\nb', 'a\tb', ESC, '\x7f', '\u0085', 'é'].map(hasControlCharacters), [false, true, true, true, true, true, false]);
  });
});

describe('terminalJson', () => {
  it('is valid JSON of the same value, with no raw control character', () => {
    const value = { message: `${CSI_CLEAR}${OSC_TITLE}${C1_CSI}\x7f\n`, nested: [{ app: `x${ESC}` }] };
    for (const indent of [undefined, 2]) {
      const text = terminalJson(value, indent);
      assert.deepEqual(JSON.parse(text), value);
      assert.equal(RAW_CONTROL.test(text.replaceAll('\n', '')), false, text);
    }
    assert.equal(terminalJson({ s: '\u009b' }), '{"s":"\\u009b"}');
  });
});

describe('TerminalIo shows other people\'s text escaped', () => {
  it('progress, warnings, debug, results, task lines and errors', () => {
    const { io, out } = terminal('human');
    io.progress(`locked by alice (${CSI_CLEAR})`);
    io.warn(`lock ${OSC_TITLE}`);
    io.debug(C1_CSI);
    io.log(`shop.1${ESC}`, `crashed ${ESC}[31m`);
    io.result({}, () => `message: ${ESC}[2Jhello\nsecond line\twith a tab`);
    io.error(new FutuswarmError('locked', `shop is locked (app:lock: "${CSI_CLEAR}")`, { hint: `wait ${ESC}` }));
    assert.equal(RAW_CONTROL.test(out.stdout.replaceAll('\t', '')), false, out.stdout);
    assert.equal(RAW_CONTROL.test(out.stderr), false, out.stderr);
    assert.equal(out.stdout, 'message: \\u001b[2Jhello\nsecond line\twith a tab\n');
    assert.equal(
      out.stderr,
      [
        '› locked by alice (\\u001b[2J)',
        'warning: lock \\u001b]0;pwned\\u0007',
        '  \\u009b31m',
        '  shop.1\\u001b | crashed \\u001b[31m',
        'error: shop is locked (app:lock: "\\u001b[2J")',
        'hint: wait \\u001b',
        '',
      ].join('\n'),
    );
  });

  it('an internal error\'s message and stack are escaped too', () => {
    const { io, out } = terminal('human');
    io.error(new Error(`docker said ${CSI_CLEAR}`));
    assert.equal(RAW_CONTROL.test(out.stderr), false, out.stderr);
    assert.match(out.stderr, /docker said \\u001b\[2J/);
  });

  it('--json: results and errors are valid JSON of the same values, with no raw control character', () => {
    const { io, out } = terminal('json');
    const data = { lock: { message: `${CSI_CLEAR}${C1_CSI}` } };
    io.result(data, () => 'unused');
    assert.deepEqual(JSON.parse(out.stdout), data);
    assert.equal(RAW_CONTROL.test(out.stdout), false);
    const errors = terminal('json');
    errors.io.error(new FutuswarmError('docker', `no such image ${ESC}\u0085`));
    assert.equal((JSON.parse(errors.out.stdout) as { error: { message: string } }).error.message, `no such image ${ESC}\u0085`);
    assert.equal(RAW_CONTROL.test(errors.out.stdout), false);
  });

  it('a program\'s own output passes as it came; the task that wrote it is escaped', () => {
    const { io, out } = terminal('human');
    io.programLine({ source: `shop.1${ESC}[2J`, stream: 'stdout', line: `${ESC}[32mgreen${ESC}[0m` }, 'shop');
    io.programLine({ stream: 'stderr', line: 'plain' }, 'shop');
    io.relay('stdout', `${ESC}[1mbold`);
    io.raw(`secret${ESC}`);
    assert.equal(out.stdout, `shop.1\\u001b[2J | ${ESC}[32mgreen${ESC}[0m\nshop | plain\n${ESC}[1mboldsecret${ESC}`);
    const json = terminal('json');
    json.io.programLine({ source: 'shop.1', stream: 'stdout', line: `${ESC}[32m` }, 'shop');
    assert.deepEqual(JSON.parse(json.out.stdout), { source: 'shop.1', stream: 'stdout', line: `${ESC}[32m` });
    assert.equal(RAW_CONTROL.test(json.out.stdout.trimEnd()), false);
  });
});

describe('renderTable', () => {
  it('escapes cells before it measures them, so columns stay aligned', () => {
    const table = renderTable(['APP', 'NOTE'], [[`a${ESC}`, `x\ny`], ['bb', 'ok']]);
    assert.equal(table, ['APP      NOTE', 'a\\u001b  x\\u000ay', 'bb       ok'].join('\n'));
  });
});

describe('names and free text refuse control characters at the edge', () => {
  const refused: { op: keyof typeof OP_ARGS; args: Record<string, unknown>; path: string; flags?: Record<string, string> }[] = [
    { op: 'app.lock', args: { app: 'shop', message: `db ${ESC}[2J` }, path: '--message', flags: { message: '--message' } },
    { op: 'app.lock', args: { app: 'shop', message: 'two\nlines' }, path: 'message' },
    { op: 'app.deploy', args: { app: 'shop', image: 'acme/shop', tag: '1', health: { cmd: `true${ESC}` } }, path: 'health.cmd' },
    { op: 'admin.registry.add', args: { host: 'r.example.com', username: `bot${ESC}`, password: 'pw' }, path: 'username' },
    { op: 'db.destroy', args: { app: 'shop', confirm: `shop${ESC}` }, path: 'confirm' },
    { op: 'cache.destroy', args: { app: 'shop', confirm: `shop\u009b` }, path: 'confirm' },
    { op: 'app.domains', args: { app: 'shop', add: [`shop.example.com${ESC}`] }, path: 'add.0' },
    { op: 'admin.node.label', args: { node: 'n1', set: { zone: `a${ESC}` } }, path: 'set.zone' },
  ];
  for (const r of refused) {
    it(`${r.op} ${r.path}`, () => {
      assert.throws(
        () => validateArgs(r.op, r.args, r.flags),
        (e: unknown) => e instanceof FutuswarmError && e.code === 'invalid_input' && e.message.startsWith(`${r.path}: `),
      );
    });
  }

  it('the lock message names the rule', () => {
    assert.throws(() => validateArgs('app.lock', { app: 'shop', message: ESC }, { message: '--message' }), /--message: must not contain control characters/);
  });

  it('printable text is still accepted', () => {
    assert.equal(validateArgs('app.lock', { app: 'shop', message: 'db migration — ünïcode ✓' }).message, 'db migration — ünïcode ✓');
  });

  it('contexts refuse control characters in hosts and file paths', () => {
    const base = { hosts: ['m1.example.com'], domain: 'apps.example.com' };
    assert.equal(contextSchema.safeParse(base).success, true);
    assert.equal(contextSchema.safeParse({ ...base, hosts: [`m1${ESC}`] }).success, false);
    assert.equal(contextSchema.safeParse({ ...base, identityFile: `/k${ESC}` }).success, false);
    assert.equal(contextSchema.safeParse({ ...base, knownHostsFile: '/k\n' }).success, false);
  });
});
