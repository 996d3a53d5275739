import { readFileSync } from 'node:fs';
import { durationFlag, type AgentCallExtras, type CommandModule } from '../command.ts';
import { secretsFromDotenv, serializeDotenv } from '../../core/dotenv.ts';
import { FutuswarmError, parseWith } from '../../core/errors.ts';
import { appName } from '../../core/names.ts';
import { SECRET_KEY_RULE, secretKeyName } from '../../core/secrets.ts';
import { fitLine, renderTable } from '../table.ts';
import { relativeTime } from '../../core/relative-time.ts';
import { examples } from '../help-text.ts';
import { readAllStdin } from '../prompt.ts';
import { appDestruction, confirmDestruction, confirmHelp } from '../confirm.ts';
import type { SecretsChangeResult, SecretsExportResult } from '../../results/people.ts';

/**
 * `KEY=value`, `KEY=@file` (the file's bytes) or `KEY=-` (standard input), so that a value
 * need never appear on a command line.
 */
export async function parseAssignments(items: readonly string[], readFile: (path: string) => string, readStdin: () => Promise<string>): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  let usedStdin = false;
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new FutuswarmError('invalid_input', `"${item.slice(0, 40)}" is not KEY=value`, { hint: 'write KEY=value, KEY=@file or KEY=- (read from stdin)' });
    const key = item.slice(0, eq);
    if (!secretKeyName.safeParse(key).success) {
      throw new FutuswarmError('invalid_input', `secret ${key}: ${SECRET_KEY_RULE}`);
    }
    const raw = item.slice(eq + 1);
    if (key in values) throw new FutuswarmError('invalid_input', `${key} is given twice`);
    if (raw === '-') {
      if (usedStdin) throw new FutuswarmError('invalid_input', 'only one value can come from stdin (KEY=-)');
      usedStdin = true;
      const input = await readStdin();
      // A failed `pass show … |` gives no input at all: never store that as the secret.
      if (input === '') {
        throw new FutuswarmError('invalid_input', `${key}=-: standard input was empty, so nothing was changed`, {
          hint: `pipe the value in (… | futuswarm app:secrets set -n <app> ${key}=-); to set an empty value, write ${key}=`,
        });
      }
      values[key] = input.replace(/\r?\n$/, '');
    } else if (raw.startsWith('@')) {
      try {
        values[key] = readFile(raw.slice(1));
      } catch (e) {
        throw new FutuswarmError('invalid_input', `${key}: cannot read ${raw.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    } else {
      values[key] = raw;
    }
  }
  return values;
}

/** A dotenv file's text; `-` is standard input. */
export async function readDotenvSource(file: string, readFile: (path: string) => string, readStdin: () => Promise<string>): Promise<{ text: string; source: string }> {
  if (file === '-') return { text: await readStdin(), source: 'standard input' };
  try {
    return { text: readFile(file), source: file };
  } catch (e) {
    throw new FutuswarmError('invalid_input', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const EXPORT_FORMATS = ['env', 'json'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

function exportFormat(value: string): ExportFormat {
  const format = EXPORT_FORMATS.find((f) => f === value);
  if (!format) throw new FutuswarmError('invalid_input', `--format: must be env or json, got "${value.slice(0, 40)}"`);
  return format;
}

/** What `export` prints: a dotenv file that `import` reads back identically, or one JSON object. */
export function renderExport(r: SecretsExportResult, format: ExportFormat): string {
  if (format === 'env') return serializeDotenv(r.values);
  const sorted = Object.fromEntries(Object.keys(r.values).sort().map((k) => [k, r.values[k]]));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/** Commands that take the app's lock wait for it this long instead of failing `locked` at once. */
const LOCK_WAIT_HELP = 'wait this long for another change of the app to finish (e.g. 60s)';
const lockWait = (seconds: number | undefined): AgentCallExtras => (seconds === undefined ? {} : { lockWaitSeconds: seconds });

function renderChange(r: SecretsChangeResult): string {
  const what = r.changed.length ? `changed ${r.changed.join(', ')}` : 'nothing changed';
  const missing = r.missing.length ? ` (not set before: ${r.missing.join(', ')})` : '';
  const restart = r.restarted ? `; ${r.app} now runs release ${r.release} with them` : r.changed.length ? '; the app was not restarted' : '';
  return `${r.app}: ${what}${missing}${r.version ? ` (secrets version ${r.version})` : ''}${restart}`;
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd.description('manage an app\'s secrets: its environment, encrypted at rest');
  cmd.addHelpText(
    'after',
    examples(
      'futuswarm app:secrets set -n shop STRIPE_KEY=- < stripe-key.txt',
      'futuswarm app:secrets import -n shop .env.production',
      'futuswarm app:secrets list -n shop',
      'futuswarm app:secrets unset -n shop STRIPE_KEY --confirm shop',
      'futuswarm app:secrets history -n shop',
    ),
  );
  cmd
    .command('set')
    .description('set one or more secrets as one new version, then restart the app with them')
    .requiredOption('-n, --name <app>', 'app name')
    .argument('<assignments...>', 'KEY=value, KEY=@file or KEY=- (stdin)')
    .option('--no-restart', 'only store the new values; they apply at the next deploy')
    .option('--lock-wait <duration>', LOCK_WAIT_HELP, durationFlag('--lock-wait'))
    .addHelpText('after', '\nExamples:\n  futuswarm app:secrets set -n shop DATABASE_URL=postgres://… STRIPE_KEY=sk_live_…\n  futuswarm app:secrets set -n shop TLS_KEY=@./key.pem\n  pass show shop/stripe | futuswarm app:secrets set -n shop STRIPE_KEY=-\n  futuswarm app:secrets set -n shop --no-restart --lock-wait 60s FEATURE_X=on\n')
    .action(
      action(async (ctx, opts, assignments) => {
        // A bad name is said before any value is read (from a file, a pipe or the terminal).
        const app = parseWith(appName, opts.name, '--name');
        const values = await parseAssignments(assignments, (p) => readFileSync(p, 'utf8'), readAllStdin);
        const r = await ctx.agent('app.secrets.set', { app, values, restart: opts.restart !== false }, { app: '--name', values: 'secret' }, lockWait(opts.lockWait));
        ctx.io.result(r, () => renderChange(r));
      }),
    );
  cmd
    .command('import')
    .description('set every KEY=value of a dotenv file as one new version, then restart the app with them')
    .requiredOption('-n, --name <app>', 'app name')
    .argument('<file>', 'dotenv file, or - for standard input')
    .option('--no-restart', 'only store the new values; they apply at the next deploy')
    .option('--lock-wait <duration>', LOCK_WAIT_HELP, durationFlag('--lock-wait'))
    .addHelpText(
      'after',
      '\nThe file is checked first: an invalid key, a key given twice or an unclosed quote refuses it\n' +
        'whole (exit 2, nothing stored), naming the line but never a value. Keys the file does not\n' +
        'name keep their values. Single quotes are literal; double quotes know \\n \\" \\\\; nothing\n' +
        'is expanded.\n' +
        examples('futuswarm app:secrets import -n shop .env.production', 'sops -d prod.env | futuswarm app:secrets import -n shop -', 'futuswarm app:secrets export -n old-shop | futuswarm app:secrets import -n shop -'),
    )
    .action(
      action(async (ctx, opts, [file]) => {
        const app = parseWith(appName, opts.name, '--name');
        const { text, source } = await readDotenvSource(String(file), (p) => readFileSync(p, 'utf8'), readAllStdin);
        const values = secretsFromDotenv(text, source);
        const r = await ctx.agent('app.secrets.set', { app, values, restart: opts.restart !== false }, { app: '--name', values: 'secret' }, lockWait(opts.lockWait));
        ctx.io.result(r, () => renderChange(r));
      }),
    );
  cmd
    .command('unset')
    .description('remove secrets, then restart the app without them')
    .requiredOption('-n, --name <app>', 'app name')
    .argument('<keys...>', 'names of the secrets to remove')
    .option('--no-restart', 'only store the change')
    .option('--lock-wait <duration>', LOCK_WAIT_HELP, durationFlag('--lock-wait'))
    .option('--confirm <app>', confirmHelp('app'))
    .addHelpText('after', `\nThe keys leave the current version; earlier versions keep them (app:secrets history).\n${examples('futuswarm app:secrets unset -n shop STRIPE_KEY --confirm shop')}`)
    .action(
      action(async (ctx, opts, keys) => {
        const app = opts.name;
        const restart = opts.restart !== false;
        const confirm = await confirmDestruction(
          appDestruction(`unset ${keys.join(', ')} of ${app}${restart ? ' and restart it without them' : ''}`, app, `app:secrets unset -n ${app} ${keys.join(' ')}${restart ? '' : ' --no-restart'}`),
          opts.confirm,
        );
        const r = await ctx.agent('app.secrets.unset', { app, keys, restart, confirm }, { app: '--name', keys: 'key', confirm: '--confirm' }, lockWait(opts.lockWait));
        ctx.io.result(r, () => renderChange(r));
      }),
    );
  cmd
    .command('list')
    .description('list the secrets: names, sizes and the last change (values stay hidden)')
    .requiredOption('-n, --name <app>', 'app name')
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('app.secrets.list', { app: opts.name }, { app: '--name' });
        ctx.io.result(r, () =>
          r.keys.length === 0
            ? `${r.app} has no secrets. Set one: futuswarm app:secrets set -n ${r.app} KEY=value`
            : `${renderTable(['KEY', 'BYTES'], r.keys.map((k) => [k.key, String(k.bytes)]), { whole: ['KEY'] })}\n\n${fitLine(`version ${r.version} by ${r.changedBy ?? '(unknown)'}, ${r.changedAt ? relativeTime(r.changedAt, Date.now()) : 'when is unknown'}`)}`,
        );
      }),
    );
  cmd
    .command('get')
    .description('print one secret value to stdout')
    .requiredOption('-n, --name <app>', 'app name')
    .argument('<key>', 'secret name')
    .action(
      action(async (ctx, opts, [key]) => {
        const r = await ctx.agent('app.secrets.get', { app: opts.name, key: String(key) }, { app: '--name', key: 'key' });
        if (ctx.io.mode === 'json') ctx.io.result(r, () => '');
        else ctx.io.raw(process.stdout.isTTY ? `${r.value}\n` : r.value);
      }),
    );
  cmd
    .command('export')
    .description('print every secret value, as a dotenv file that import reads back, or as JSON')
    .requiredOption('-n, --name <app>', 'app name')
    .option('--format <format>', 'env (default) or json', exportFormat)
    .addHelpText(
      'after',
      '\nFor owners and admins, like get, and recorded in the audit trail (without the values).\n' +
        'It prints to a terminal too: redirect it to a file only you can read.\n' +
        examples('(umask 077; futuswarm app:secrets export -n shop > shop.env)', 'futuswarm app:secrets export -n shop --format json | jq -r .DATABASE_URL'),
    )
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('app.secrets.export', { app: opts.name }, { app: '--name' });
        if (ctx.io.mode === 'json') ctx.io.result(r, () => '');
        else {
          if (Object.keys(r.values).length === 0) ctx.io.progress(`${r.app} has no secrets`);
          ctx.io.raw(renderExport(r, opts.format ?? 'env'));
        }
      }),
    );
  cmd
    .command('history')
    .description('versions of the secrets: who changed which keys, when')
    .requiredOption('-n, --name <app>', 'app name')
    .action(
      action(async (ctx, opts) => {
        const r = await ctx.agent('app.secrets.history', { app: opts.name }, { app: '--name' });
        const now = Date.now();
        ctx.io.result(r, () =>
          renderTable(
            ['', 'VERSION', 'WHEN', 'WHO', 'CHANGE'],
            r.versions.map((v) => [
              v.current ? '*' : '',
              v.versionId,
              v.time ? relativeTime(v.time, now) : '',
              v.user ?? '',
              v.deleted ? '(removed)' : [...v.set.map((k) => `+${k}`), ...v.unset.map((k) => `-${k}`)].join(' '),
            ]),
            { whole: ['VERSION'] },
          ),
        );
      }),
    );
};
