import type { Command } from 'commander';
import { SETTINGS, flagName, type SettingKey, type Settings } from './settings.ts';

/** A setting whose value does not parse; the message names the variable, the flag and the reason. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Adds a `--kebab-case` option for each setting to a commander command. */
export function addSettingOptions(command: Command, keys: readonly SettingKey[]): Command {
  for (const key of keys) {
    const setting = SETTINGS[key];
    const dflt = 'default' in setting ? ` (default "${setting.default}")` : '';
    command.option(
      `${flagName(setting.env)} <value>`,
      `${setting.description} [${setting.env}]${dflt}`,
    );
  }
  return command;
}

/**
 * Reads the named settings: a flag wins over the environment, the environment over the default.
 * `flags` are commander's parsed options (camelCase of the flag name).
 */
export function loadSettings<K extends SettingKey>(
  keys: readonly K[],
  flags: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): Pick<Settings, K> {
  const out: Partial<Settings> = {};
  const problems: string[] = [];
  for (const key of keys) {
    const setting = SETTINGS[key];
    const flagKey = camel(setting.env);
    const raw =
      flags[flagKey] ?? env[setting.env] ?? ('default' in setting ? setting.default : undefined);
    const parsed = setting.schema.safeParse(raw);
    if (parsed.success) {
      (out as Record<string, unknown>)[key] = parsed.data;
    } else {
      const reason = parsed.error.issues.map((issue) => issue.message).join('; ');
      problems.push(
        `${setting.env} (${flagName(setting.env)}) = ${JSON.stringify(raw)}: ${reason}`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid settings: ${problems.join('; ')}`);
  return out as Pick<Settings, K>;
}

function camel(env: string): string {
  return env.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
