import { type Clock, type Config, loadConfig, silentLogger, systemClock } from '../core';
import { type RequestContext, systemActor } from '../modules/tenancy';
import { createServices, type Services } from '../server/services';
import { openStore } from '../store';

/** Open the configured database (DATA_DIR or DATABASE_URL) for an offline CLI command. */
export async function withServices<T>(
  fn: (s: Services, config: Config) => Promise<T>,
  clock: Clock = systemClock,
): Promise<T> {
  const config = loadConfig();
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
  });
  try {
    return await fn(createServices(store, clock, silentLogger()), config);
  } finally {
    await store.close();
  }
}

/** An operator's context in an organisation (the CLI has the database, so it acts as the system). */
export async function orgContext(s: Services, slug: string): Promise<RequestContext> {
  const org = await s.tenancy.organisationBySlug(slug);
  return s.tenancy.context(systemActor(org.id, org.kind));
}
