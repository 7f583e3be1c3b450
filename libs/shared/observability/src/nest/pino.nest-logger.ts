import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

/**
 * Sends NestJS framework logs (bootstrap, route mapping, exceptions) through a pino logger, so
 * they are JSON lines with trace ids like the rest: `app.useLogger(new PinoNestLogger(logger))`
 * or `NestFactory.create(AppModule, { logger: new PinoNestLogger(logger) })`.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('info', message, optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    // Nest calls error(message, stack?, context?).
    const [maybeStack, ...rest] = optionalParams;
    if (typeof maybeStack === 'string' && maybeStack.includes('\n    at ')) {
      this.write('error', message, rest, { stack: maybeStack });
      return;
    }
    this.write('error', message, optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('trace', message, optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  private write(
    level: Level,
    message: unknown,
    params: unknown[],
    extra: Record<string, unknown> = {},
  ): void {
    // Nest passes the context (the class name) as the last string argument.
    const last = params.at(-1);
    const fields: Record<string, unknown> = { ...extra };
    if (typeof last === 'string') {
      fields['context'] = last;
    }
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
