// NestJS entry (`@meridian/shared-config/nest`): kept apart from the main entry because
// NestJS is ESM-only and framework-free users of this lib (domain libs, CLIs) should not load it.
export { APP_CONFIG, ConfigModule } from './nest/config.module';
