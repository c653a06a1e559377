import { once } from 'node:events';
import { UsageError } from '../errors.js';
import { formatHelp, parseCommandLine } from '../options/command-line.js';
import { urlPolicy } from '../options/queue-options.js';
import { QueueClient } from '../queue/queue-client.js';
import { redisUrl } from '../queue/redis-connection.js';
import { checkServeAccess } from '../serve/access.js';
import { startDashboard } from '../serve/dashboard.js';
import type { CommandIo } from './command-io.js';
import { SERVE_COMMAND } from './command-specs.js';

/** Runs `framewise serve` until SIGTERM or SIGINT; resolves with the exit status. */
export async function serveCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { options: values, positionals, help } = parseCommandLine(SERVE_COMMAND, args, io.env);
  if (help) {
    io.stdout.write(formatHelp(SERVE_COMMAND));
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`serve takes no arguments, got ${JSON.stringify(positionals[0])}`);
  }
  checkServeAccess(values.host, values.token);
  const client = await QueueClient.open(redisUrl(io.env), values.prefix);
  try {
    const dashboard = await startDashboard({
      client,
      port: values.port,
      host: values.host,
      ...(values.token === undefined ? {} : { token: values.token }),
      policy: urlPolicy(values),
      attempts: values.attempts,
      backoffMs: values.backoffMs,
    });
    io.stderr.write(`framewise serve: dashboard at ${dashboard.url}/\n`);
    if (!io.signal.aborted) await once(io.signal, 'abort');
    await dashboard.close();
    return 0;
  } finally {
    await client.close();
  }
}
