import { execFileSync } from 'node:child_process';
import type { CommandModule } from '../command.ts';
import { ATTACHED_STEP } from '../../protocol.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .description('run a command inside a running task of the app (a shell, with -it)')
    .usage('-n <app> [-it] [options] -- <command> [args...]')
    .requiredOption('-n, --name <app>', 'app name')
    .argument('<command...>', 'the program and its arguments, after --')
    .option('-i, --interactive', 'send this terminal\'s input to the command')
    .option('-t, --tty', 'give the command a terminal (only when this one is a terminal)')
    .option('--task <task>', 'which task: its slot number or the start of its ID (see app:inspect)')
    .addHelpText('after', '\nWith --json (before --) the command\'s output goes to stderr and stdout holds {app, task, exitCode}.\n\nExamples:\n  futuswarm app:exec -n shop -it -- sh\n  futuswarm app:exec -n shop -- env\n  futuswarm app:exec -n shop --task 2 -- cat /proc/loadavg\n')
    .action(
      action(async (ctx, opts, command) => {
        const interactive = opts.interactive === true;
        // A terminal on the far side only when there is one on this side to drive it.
        const tty = opts.tty === true && process.stdin.isTTY === true && process.stdout.isTTY === true;
        if (opts.tty && !tty) ctx.io.debug('no terminal here: running without one');
        let send: ((m: import('../../protocol.ts').ClientMessage) => void) | undefined;
        let rawMode = false;
        // A terminal that does not know its size says 0: then the far side keeps its default.
        const size = () => (process.stdout.columns > 0 && process.stdout.rows > 0 ? { cols: process.stdout.columns, rows: process.stdout.rows } : undefined);
        const onResize = () => {
          const s = size();
          if (s) send?.({ type: 'resize', ...s });
        };
        const attach = () => {
          if (!interactive) {
            send?.({ type: 'eof' });
            return;
          }
          if (tty) {
            process.stdin.setRawMode(true);
            rawMode = true;
            rawOutput();
            process.stdout.on('resize', onResize);
          }
          process.stdin.on('data', (data: Buffer) => send?.({ type: 'stdin', data: data.toString('base64') }));
          process.stdin.once('end', () => send?.({ type: 'eof' }));
          process.stdin.resume();
        };
        try {
          const r = await ctx.agent(
            'app.exec',
            {
              app: opts.name,
              command,
              ...(interactive ? { interactive: true } : {}),
              ...(tty ? { tty: true, ...size() } : {}),
              ...(opts.task !== undefined ? { task: opts.task } : {}),
            },
            { app: '--name', command: 'command', task: '--task' },
            {
              onChannel: (channel) => (send = (m) => channel.send(m)),
              onEvent(event) {
                if (event.type === 'output') ctx.io.relay(event.stream, Buffer.from(event.data, 'base64'));
                else if (event.type === 'progress') {
                  ctx.io.debug(event.message);
                  if (event.step === ATTACHED_STEP) attach();
                } else if (event.type === 'log') ctx.io.log(event.source ?? 'agent', event.line);
              },
              interrupt: { message: 'interrupted: detached from the command' },
            },
          );
          if (ctx.io.mode === 'json') ctx.io.result(r, () => '');
          return r.exitCode ?? 1;
        } finally {
          if (rawMode) process.stdin.setRawMode(false);
          process.stdout.off('resize', onResize);
          process.stdin.pause();
        }
      }),
    );
};

/**
 * Node's raw mode keeps output post-processing (ONLCR) on, so the remote terminal's "\r\n"
 * would reach the screen as "\r\r\n" and a bare "\n" (cursor down, for full-screen programs)
 * would become "\r\n". The container's terminal already does that translation; turn ours off,
 * as `docker exec -it` does. setRawMode(false) restores the saved settings, OPOST included.
 */
function rawOutput(): void {
  try {
    execFileSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'], timeout: 2000 });
  } catch {
    // No stty: line endings get an extra carriage return, which a terminal shows the same.
  }
}
