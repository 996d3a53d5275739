/** Dotenv files for app:secrets import/export, as data: what a file means, what is refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDotenv, quoteDotenvValue, secretsFromDotenv, serializeDotenv } from '../../src/core/dotenv.ts';
import { FutuswarmError } from '../../src/core/errors.ts';

const PARSES: [string, string, Record<string, string>][] = [
  ['plain, export, blanks and comments', '# top\n\nexport A=1\n  B=2\n\t# indented comment\n', { A: '1', B: '2' }],
  ['spaces around = and an inline comment', 'A = two words   # why\n', { A: 'two words' }],
  ['= inside a value', 'URL=postgres://u:p@h/db?sslmode=require&x=y\nB64=YWJj==\n', { URL: 'postgres://u:p@h/db?sslmode=require&x=y', B64: 'YWJj==' }],
  ['# only after a space starts a comment', 'A=a#b\nB= #c\nC=\n', { A: 'a#b', B: '', C: '' }],
  ['single quotes are literal', `A='x \\n $HOME "q" # not a comment'  # comment\n`, { A: 'x \\n $HOME "q" # not a comment' }],
  ['double quotes: \\n \\r \\t \\" \\\\, other backslashes kept', 'A="1\\n2\\r3\\t4\\"5\\\\6\\q"\n', { A: '1\n2\r3\t4"5\\6\\q' }],
  ['quoted values may span lines', 'A="one\ntwo"\nB=\'three\nfour\'\nC=after\n', { A: 'one\ntwo', B: 'three\nfour', C: 'after' }],
  ['backticks are literal', 'A=`x "y"`\n', { A: 'x "y"' }],
  ['CRLF, a BOM and no final newline', '\uFEFFA=1\r\nB="x"\r\nC=3', { A: '1', B: 'x', C: '3' }],
  ['unicode', 'A=ünï😀\nB="ünï 😀"\n', { A: 'ünï😀', B: 'ünï 😀' }],
  ['a key named export', 'export EXPORT=1\n', { EXPORT: '1' }],
];

/** [case, file, problems]: every problem names its line; none may contain a value. */
const REFUSES: [string, string, string[]][] = [
  ['a line without =', 'A=1\nsk_live_SECRETVALUE\n', ['line 2: not KEY=value']],
  ['an invalid key', 'db_url=SECRETVALUE\n1A=SECRETVALUE\nA-B=SECRETVALUE\n', [1, 2, 3].map((n) => `line ${n}: the key is not an environment variable name (A-Z, 0-9 and _, not starting with a digit)`)],
  ['a duplicate key', 'A=1\nB=2\nA=SECRETVALUE\n', ['line 3: A is given twice (first on line 1)']],
  ['an unterminated double quote', 'A=1\nB="SECRETVALUE\nC=3\n', ['line 2: the double-quoted value is not closed']],
  ['an unterminated single quote', "A='SECRETVALUE\n", ['line 1: the single-quoted value is not closed']],
  ['text after the closing quote', 'A="SECRET"VALUE\n', ['line 1: unexpected text after the closing quote (quote the whole value)']],
  ['several at once, lines counted through quoted newlines', 'A="x\ny"\nbad=SECRETVALUE\nA=SECRETVALUE\n', [
    'line 3: the key is not an environment variable name (A-Z, 0-9 and _, not starting with a digit)',
    'line 4: A is given twice (first on line 1)',
  ]],
];

/** Values that must come back from export → import exactly. */
const TRICKY: Record<string, string> = {
  PLAIN: 'abc123',
  SPACES: '  two  words  ',
  SINGLE: "it's",
  DOUBLE: 'say "hi"',
  BOTH: `it's "both"`,
  HASH: 'a #b #c',
  EQUALS: 'a=b==',
  NEWLINES: 'line1\nline2\r\nline3\n',
  PEM: '-----BEGIN KEY-----\nMIIB+/==\n-----END KEY-----\n',
  BACKSLASH: 'C:\\path\\n\\"x\\\\',
  DOLLAR: '$HOME ${X} `id`',
  TAB: 'a\tb',
  UNICODE: 'ünïcødé 😀 日本',
  EMPTY: '',
  ONLY_QUOTE: "'",
  URL: 'postgres://u:p%40ss@h:5432/db?sslmode=require',
};

describe('dotenv parsing', () => {
  for (const [name, text, values] of PARSES) {
    it(name, () => {
      const parsed = parseDotenv(text);
      assert.deepEqual(parsed.ok && parsed.values, values);
    });
  }

  it('records the line each key starts on', () => {
    const parsed = parseDotenv('# c\nA="x\ny"\n\nB=2\n');
    assert.deepEqual(parsed.ok && parsed.lines, { A: 2, B: 5 });
  });

  for (const [name, text, problems] of REFUSES) {
    it(`refuses ${name}, naming the line and no value`, () => {
      const parsed = parseDotenv(text);
      assert.equal(parsed.ok, false);
      const shown = parsed.ok ? [] : parsed.problems.map((p) => `line ${p.line}: ${p.message}`);
      assert.deepEqual(shown, problems);
      for (const line of shown) assert.ok(!/SECRET|VALUE|sk_live/.test(line), line);
    });
  }
});

describe('dotenv writing', () => {
  const QUOTED: [string, string][] = [
    ['abc-1.2_x:y/z@h%2B,=', 'abc-1.2_x:y/z@h%2B,='],
    ['', "''"],
    ['two words', "'two words'"],
    ['a#b', "'a#b'"],
    ['say "hi"', `'say "hi"'`],
    ["it's", `"it's"`],
    ['a\nb\\c"d\re', '"a\\nb\\\\c\\"d\\re"'],
  ];
  for (const [value, written] of QUOTED) it(`writes ${JSON.stringify(value)} as ${written}`, () => assert.equal(quoteDotenvValue(value), written));

  it('writes sorted KEY=value lines that parse back to the same values', () => {
    const text = serializeDotenv(TRICKY);
    // One line per key: newlines inside values are escaped.
    assert.deepEqual(text.split('\n').slice(0, -1).map((l) => l.slice(0, l.indexOf('='))), Object.keys(TRICKY).sort());
    const back = parseDotenv(text);
    assert.ok(back.ok);
    assert.deepEqual(back.values, TRICKY);
  });

  it('round-trips 2000 random values over an alphabet of the awkward characters', () => {
    const alphabet = [...'aZ09 \t\n\r\'"`#=\\$-_.:/@%+,{}!ü😀'];
    let seed = 42;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 2000; i++) {
      const value = Array.from({ length: random(12) }, () => alphabet[random(alphabet.length)]).join('');
      const back = parseDotenv(serializeDotenv({ V: value }));
      assert.deepEqual(back.ok && back.values, { V: value }, JSON.stringify(value));
    }
  });

  it('round-trips every value alone too', () => {
    for (const [key, value] of Object.entries(TRICKY)) {
      const back = parseDotenv(serializeDotenv({ [key]: value }));
      assert.deepEqual(back.ok && back.values, { [key]: value }, key);
    }
  });
});

describe('secrets from a dotenv file', () => {
  const refusal = (text: string): FutuswarmError => {
    let refused: FutuswarmError | undefined;
    assert.throws(() => secretsFromDotenv(text, 'prod.env'), (e) => (refused = e as FutuswarmError) instanceof FutuswarmError && refused.code === 'invalid_input');
    return refused!;
  };

  it('gives the values, sorted', () => {
    assert.deepEqual(Object.entries(secretsFromDotenv('B=2\nA=1\n', 'prod.env')), [['A', '1'], ['B', '2']]);
  });
  it('names the file and line of one problem, and says nothing changed', () => {
    assert.equal(refusal('A=1\nA=SECRETVALUE\n').message, 'prod.env, line 2: A is given twice (first on line 1); nothing was changed');
  });
  it('lists several problems at once', () => {
    const e = refusal('a=1\nNOPE\n');
    assert.equal(e.message, 'prod.env: 2 problems, nothing was changed:\n  line 1: the key is not an environment variable name (A-Z, 0-9 and _, not starting with a digit)\n  line 2: not KEY=value');
    assert.deepEqual((e.details as { issues: string[] }).issues.length, 2);
  });
  it('refuses a value too large for a secret, by key and line, without the value', () => {
    const e = refusal(`A=1\nBIG=${'x'.repeat(65 * 1024)}\n`);
    assert.match(e.message, /^prod\.env, line 2: BIG: value is 66560 bytes; the limit is 65536 bytes/);
    assert.ok(!e.message.includes('xxxx'));
  });
  it('refuses a file with no assignment (an empty pipe)', () => {
    assert.match(refusal('').message, /prod\.env has no KEY=value line, so nothing was changed/);
    assert.match(refusal('# only a comment\n\n').message, /has no KEY=value line/);
  });
});
