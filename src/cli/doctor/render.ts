/** How doctor's verdicts look: a line per check for people, one JSON document for scripts. */
import type { Check, CheckStatus } from './checks.ts';

const MARK: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };
/** SGR colors: green, yellow, red, dim. */
const COLOR: Record<CheckStatus, [number, number]> = { pass: [32, 39], warn: [33, 39], fail: [31, 39], skip: [2, 22] };

export function renderChecks(checks: readonly Check[], options: { color: boolean }): string {
  const paint = (status: CheckStatus, text: string): string => {
    const [open, close] = COLOR[status];
    return options.color ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  };
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.flatMap((c) => [
    `${paint(c.status, MARK[c.status])} ${c.name.padEnd(width)}  ${c.detail}`,
    ...(c.fix !== undefined && c.status !== 'pass' ? [`  ${' '.repeat(width)}  ${paint('skip', 'fix:')} ${c.fix}`] : []),
  ]);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  const summary = failed > 0 ? `${failed} check(s) failed` : `all checks passed${warned > 0 ? ` (${warned} warning(s))` : ''}`;
  return `${lines.join('\n')}\n\n${summary}`;
}

/** `--json`: `ok` is what a script tests; `status` tells a warning or a skipped check apart. */
export function checksDocument(checks: readonly Check[]): { checks: { name: string; ok: boolean; status: CheckStatus; detail: string; fix?: string }[] } {
  return {
    checks: checks.map((c) => ({ name: c.name, ok: c.status !== 'fail', status: c.status, detail: c.detail, ...(c.fix !== undefined ? { fix: c.fix } : {}) })),
  };
}
