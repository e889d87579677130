import { invalid } from './errors';

/** Every setting of the product, read from the environment once. Names are the env var names. */
export interface Config {
  /** HTTP API and dashboard port (PORT). */
  port: number;
  /** Interface to listen on (HOST). */
  host: string;
  /** Folder for the embedded database, keys and other state (DATA_DIR). */
  dataDir: string;
  /** PostgreSQL connection string; when empty the embedded PGlite in dataDir is used (DATABASE_URL). */
  databaseUrl: string | undefined;
  /** Embedded MQTT broker port (MQTT_PORT); 0 disables the embedded broker. */
  mqttPort: number;
  /** External MQTT broker URL; when set the embedded broker is not started (MQTT_URL). */
  mqttUrl: string | undefined;
  /** Load demo organisations on first start with an empty database (DEMO, default true). */
  demo: boolean;
  /** Run the fleet traffic simulator for the demo devices (SIMULATOR, default true with DEMO). */
  simulator: boolean;
  logLevel: string;
}

function intSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw invalid(`${name} must be a port number 0-65535, got "${raw}"`);
  return n;
}

function boolSetting(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw invalid(`${name} must be true or false, got "${raw}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const demo = boolSetting(env, 'DEMO', true);
  return {
    port: intSetting(env, 'PORT', 8080),
    host: env.HOST || '0.0.0.0',
    dataDir: env.DATA_DIR || '.coverwatch',
    databaseUrl: env.DATABASE_URL || undefined,
    mqttPort: intSetting(env, 'MQTT_PORT', 1883),
    mqttUrl: env.MQTT_URL || undefined,
    demo,
    simulator: boolSetting(env, 'SIMULATOR', demo),
    logLevel: env.LOG_LEVEL || 'info',
  };
}
