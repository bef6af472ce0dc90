// Settings from flags and the environment, typed and validated, with a clear error on bad input.
export { SETTINGS, flagName, type SettingDef, type SettingKey, type Settings } from './settings.ts';
export { ConfigError, addSettingOptions, loadSettings } from './load.ts';
export { createLogger, type Logger } from './logger.ts';
