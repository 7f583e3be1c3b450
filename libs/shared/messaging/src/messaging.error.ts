import { errorCode, MeridianError } from '@meridian/shared-errors';

const MESSAGING_DECODE_FAILED = errorCode('MESSAGING_DECODE_FAILED', 'MessageDecodeError');
const MESSAGING_ENCODE_FAILED = errorCode('MESSAGING_ENCODE_FAILED', 'MessageEncodeError');
const MESSAGING_HANDLER_FAILED = errorCode('MESSAGING_HANDLER_FAILED', 'MessageHandlerError');
const MESSAGING_DLQ_PUBLISH_FAILED = errorCode('MESSAGING_DLQ_PUBLISH_FAILED', 'DlqPublishError');
const MESSAGING_NOT_CONNECTED = errorCode('MESSAGING_NOT_CONNECTED', 'MessagingNotConnectedError');
const MESSAGING_PUBLISH_FAILED = errorCode('MESSAGING_PUBLISH_FAILED', 'MessagePublishError');
const MESSAGING_CONFIG_INVALID = errorCode('MESSAGING_CONFIG_INVALID', 'MessagingConfigError');

/** The bytes of a record could not be turned into the expected message type (a poison message). */
export class MessageDecodeError extends MeridianError {
  readonly code = MESSAGING_DECODE_FAILED;
  readonly category = 'invalid-argument' as const;
  constructor(typeName: string, cause: unknown) {
    super(`cannot decode ${typeName}: ${describeCause(cause)}`, { cause, metadata: { typeName } });
  }
}

/** A value could not be serialised with its codec; nothing was sent. */
export class MessageEncodeError extends MeridianError {
  readonly code = MESSAGING_ENCODE_FAILED;
  readonly category = 'invalid-argument' as const;
  constructor(typeName: string, cause: unknown) {
    super(`cannot encode ${typeName}: ${describeCause(cause)}`, { cause, metadata: { typeName } });
  }
}

/** A handler kept failing after every retry; the record went to the DLQ. */
export class MessageHandlerError extends MeridianError {
  readonly code = MESSAGING_HANDLER_FAILED;
  readonly category = 'internal' as const;
  constructor(topic: string, attempts: number, cause: unknown) {
    super(`handler for ${topic} failed after ${attempts} attempt(s): ${describeCause(cause)}`, {
      cause,
      metadata: { topic, attempts: String(attempts) },
    });
  }
}

/**
 * A record that had to go to the DLQ could not be written there. The consumer stops committing
 * that partition rather than lose the record.
 */
export class DlqPublishError extends MeridianError {
  readonly code = MESSAGING_DLQ_PUBLISH_FAILED;
  readonly category = 'unavailable' as const;
  constructor(
    dlqTopic: string,
    origin: { topic: string; partition: number; offset: string },
    cause: unknown,
  ) {
    super(
      `cannot publish ${origin.topic}[${origin.partition}]@${origin.offset} to ${dlqTopic}: ${describeCause(cause)}`,
      {
        cause,
        metadata: {
          dlqTopic,
          topic: origin.topic,
          partition: String(origin.partition),
          offset: origin.offset,
        },
      },
    );
  }
}

/** A producer or consumer was used before `connect()` / `start()` or after `close()` / `stop()`. */
export class MessagingNotConnectedError extends MeridianError {
  readonly code = MESSAGING_NOT_CONNECTED;
  readonly category = 'unavailable' as const;
  constructor(what: string) {
    super(`${what} is not connected`, { metadata: { what } });
  }
}

/** Kafka did not acknowledge a send (after the client's own retries). */
export class MessagePublishError extends MeridianError {
  readonly code = MESSAGING_PUBLISH_FAILED;
  readonly category = 'unavailable' as const;
  constructor(topic: string, cause: unknown) {
    super(`publish to ${topic} failed: ${describeCause(cause)}`, { cause, metadata: { topic } });
  }
}

/** Options that cannot work together (caught at construction, not at the first message). */
export class MessagingConfigError extends MeridianError {
  readonly code = MESSAGING_CONFIG_INVALID;
  readonly category = 'invalid-argument' as const;
  constructor(message: string) {
    super(message);
  }
}

export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return typeof cause === 'string' ? cause : 'unknown error';
}
