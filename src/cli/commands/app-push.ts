import type { CommandModule } from '../command.ts';
import { examples } from '../help-text.ts';
import { appName } from '../../core/names.ts';
import { parseWith } from '../../core/errors.ts';
import { pushImage } from '../local-images.ts';

export const register: CommandModule['register'] = (cmd, action) => {
  cmd
    .requiredOption('-n, --name <app>', 'app whose repository receives the image')
    .requiredOption('-i, --image <ref>', 'an image in your local Docker, e.g. shop:1.4 or an image ID')
    .option('-t, --tag <tag>', 'tag in the app\'s repository (default: the tag of --image, else latest)')
    .addHelpText(
      'after',
      '\nPushes into the app\'s repository of the cluster registry through your SSH connection and deploys\n' +
        'nothing; prints the pushed reference with its digest. Owners of the app and admins may push.\n',
    )
    .addHelpText('after', examples('futuswarm app:push -n shop -i shop:1.4', 'futuswarm app:deploy -n shop -i shop:1.4 --push   # push and deploy'))
    .action(
      action(async (ctx, opts) => {
        const app = parseWith(appName, opts.name, '--name');
        const pushed = await pushImage(ctx, app, opts.image, opts.tag);
        ctx.io.result(pushed, () => `pushed ${pushed.repository}:${pushed.tag}\n${pushed.reference}`);
      }),
    );
};
