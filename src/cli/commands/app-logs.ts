import type { CommandModule } from '../command.ts';
import { intFlag } from '../command.ts';
import { sinceSeconds } from '../since.ts';
import { isFutuswarmError } from '../../core/errors.ts';
import { EXIT } from '../exit-code.ts';
import type { Io, ProgramLine } from '../io.ts';

/**
 * Where app:logs puts the lines: each as it comes (a terminal; with --json -f, one JSON object a
 * line, as a stream that never ends can only be), or with --json alone gathered into the one
 * document `{ app, lines: [{ source, stream, line }] }`.
 */
export function logsOutput(io: Io, app: string, follow: boolean): { line(line: ProgramLine): void; end(): void } {
  const gathered: ProgramLine[] | undefined = io.mode === 'json' && !follow ? [] : undefined;
  return {
    line(line) {
      if (gathered) gathered.push({ source: line.source, stream: line.stream, line: line.line });
      else io.programLine(line, app);
    },
    end() {
      if (gathered) io.result({ app, lines: gathered }, () => '');
    },
  };
}

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('print what the app\'s live tasks wrote, merged by time, each line named by its task and node')
    .requiredOption('-n, --name <app>', 'app name')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--since <when>', 'only lines since then: a while (10m, 2h, 1d) or a date/time (2025-01-31T09:00Z)', (v) => sinceSeconds(v, Date.now()))
    .option('--tail <lines>', 'only the last lines of each task', intFlag('--tail'))
    .option('--timestamps', 'show when each line was written')
    .option('--all', 'also the lines of tasks that ended (replaced, failed, scaled away)')
    .addHelpText('after', '\nWith --json: one document {app, lines: [{source, stream, line}]}; with -f, one such line object per line.\n\nExamples:\n  futuswarm app:logs -n shop --since 10m\n  futuswarm app:logs -n shop --since 2025-01-31T09:00:00Z\n  futuswarm app:logs -n shop -f --tail 200\n  futuswarm app:logs -n shop --all --since 1h   # with the tasks that ended\n')
    .action(
      action(async (ctx, opts) => {
        const app = opts.name;
        const output = logsOutput(ctx.io, app, opts.follow === true);
        try {
          await ctx.agent(
            'app.logs',
            {
              app,
              ...(opts.follow ? { follow: true } : {}),
              ...(opts.since !== undefined ? { sinceSeconds: opts.since } : {}),
              ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
              ...(opts.timestamps ? { timestamps: true } : {}),
              ...(opts.all ? { all: true } : {}),
            },
            { app: '--name', sinceSeconds: '--since', tail: '--tail' },
            {
              // The lines are this command's output, on stdout.
              onEvent(event) {
                if (event.type === 'log') output.line(event);
                else if (event.type === 'progress') ctx.io.progress(event.message);
              },
              ...(opts.follow ? { keepOpen: true, interrupt: { message: 'stopped following' } } : {}),
            },
          );
          output.end();
        } catch (e) {
          // Ctrl-C is how -f ends: not an error.
          if (isFutuswarmError(e) && e.code === 'interrupted' && opts.follow) return EXIT.interrupted;
          throw e;
        }
      }),
    );
};
