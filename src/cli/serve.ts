import { loadConfig } from '../core';
import { loadDemo } from '../demo';
import { startSimulator } from '../demo/simulator';
import { startCoverWatch } from '../server/start';

/** `coverwatch serve` / `npm start`: run until SIGINT or SIGTERM. */
export async function serve(opts: { simulator?: boolean; infectAfterSeconds?: number } = {}): Promise<void> {
  const config = loadConfig();
  const simulate = opts.simulator ?? config.simulator;
  const infectAfter = opts.infectAfterSeconds ?? Number(process.env.SIMULATOR_INFECT_AFTER ?? 180);
  let victims: { org: string; device: string; ip: string }[] = [];
  let demoUsers: Awaited<ReturnType<typeof loadDemo>>['users'] = [];
  const running = await startCoverWatch(config, {
    beforeListen: async (services) => {
      if (!config.demo) return;
      const demo = await loadDemo(services, { password: process.env.DEMO_PASSWORD || undefined });
      demoUsers = demo.users;
    },
    afterListen: async (r) => {
      if (!simulate || !r.mqttUrl) return undefined;
      const insured = (await r.services.tenancy.listOrganisations())
        .filter((o) => o.kind === 'insured')
        .map((o) => o.slug);
      const sim = await startSimulator(
        r.services,
        {
          mqttUrl: r.mqttUrl,
          orgSlugs: insured,
          infectAfterSeconds: infectAfter,
          trafficSeed: Date.now() % 2 ** 31,
        },
        r.services.clock,
        r.services.logger,
      );
      victims = sim.victims;
      return sim.stop;
    },
  });
  const lines = [`CoverWatch is running: ${running.url}`, `  API docs: ${running.url}/api/docs`];
  if (running.mqttUrl) lines.push(`  MQTT: ${running.mqttUrl}`);
  for (const v of victims) {
    lines.push(
      `  Simulator: traffic for ${v.org}; camera ${v.device} (${v.ip}) gets infected Mirai-style after ${infectAfter} s`,
    );
  }
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
