import { type DynamicModule, Module } from '@nestjs/common';
import { type ConfigShape } from '../config-field';
import { loadConfig, type LoadConfigOptions } from '../load-config';

/**
 * Injection token of the app's config object:
 * `constructor(@Inject(APP_CONFIG) private readonly config: OrderGatewayConfig) {}`.
 */
export const APP_CONFIG = Symbol.for('meridian.app-config');

/** Loads and validates the app's config once, at boot, and provides it globally. */
@Module({})
export class ConfigModule {
  static forRoot(schema: ConfigShape, options: LoadConfigOptions): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: APP_CONFIG, useFactory: () => loadConfig(schema, options) }],
      exports: [APP_CONFIG],
    };
  }
}
