import { loadConfig } from '../core';
import { loadDemo } from '../demo';
import { startCoverWatch } from '../server/start';

/** `coverwatch serve` / `npm start`: run until SIGINT or SIGTERM. */
export async function serve(): Promise<void> {
  const config = loadConfig();
  let demoUsers: Awaited<ReturnType<typeof loadDemo>>['users'] = [];
  const running = await startCoverWatch(config, {
    beforeListen: async (services) => {
      if (!config.demo) return;
      const demo = await loadDemo(services, { password: process.env.DEMO_PASSWORD || undefined });
      demoUsers = demo.users;
    },
  });
  const lines = [`CoverWatch is running: ${running.url}`, `  API docs: ${running.url}/api/docs`];
  if (running.mqttUrl) lines.push(`  MQTT: ${running.mqttUrl}`);
  if (demoUsers.length) {
    lines.push('  Demo users (passwords are shown only now; set DEMO_PASSWORD to choose them):');
    for (const u of demoUsers)
      lines.push(`    ${u.email.padEnd(32)} ${u.password.padEnd(18)} ${u.role.padEnd(12)} ${u.organisation}`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
}
