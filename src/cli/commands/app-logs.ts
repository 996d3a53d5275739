import type { CommandModule } from '../command.ts';
import { durationFlag, intFlag } from '../command.ts';
import { isFutuswarmError } from '../../core/errors.ts';
import { EXIT } from '../exit-code.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('print what the app\'s tasks wrote, each line named by its task and node')
    .requiredOption('-n, --name <app>', 'app name')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--since <duration>', 'only lines from the last while (e.g. 10m, 2h)', durationFlag('--since'))
    .option('--tail <lines>', 'only the last lines of each task', intFlag('--tail'))
    .option('--timestamps', 'show when each line was written')
    .addHelpText('after', '\nExamples:\n  futuswarm app:logs -n shop --since 10m\n  futuswarm app:logs -n shop -f --tail 200\n')
    .action(
      action(async (ctx, opts) => {
        const app = opts.name;
        try {
          const r = await ctx.agent(
            'app.logs',
            {
              app,
              ...(opts.follow ? { follow: true } : {}),
              ...(opts.since !== undefined ? { sinceSeconds: opts.since } : {}),
              ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
              ...(opts.timestamps ? { timestamps: true } : {}),
            },
            { app: '--name', sinceSeconds: '--since', tail: '--tail' },
            {
              // The lines are this command's output: stdout, one JSON object a line with --json.
              onEvent(event) {
                if (event.type === 'log') ctx.io.programLine(event, app);
                else if (event.type === 'progress') ctx.io.progress(event.message);
              },
              ...(opts.follow ? { keepOpen: true, interrupt: { message: 'stopped following' } } : {}),
            },
          );
          void r;
        } catch (e) {
          // Ctrl-C is how -f ends: not an error.
          if (isFutuswarmError(e) && e.code === 'interrupted' && opts.follow) return EXIT.interrupted;
          throw e;
        }
      }),
    );
};
