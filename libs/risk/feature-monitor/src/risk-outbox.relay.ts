import { risk } from '@meridian/contracts';
import type { RiskOutboxRepository } from '@meridian/risk-data-access';
import {
  type KafkaProducer,
  MessageHeader,
  type MessagingLogger,
  PROTOBUF_CONTENT_TYPE,
} from '@meridian/shared-messaging';
import type { RiskMonitorMetrics } from './risk-monitor.metrics';
import type { RiskMonitorTopics } from './risk-monitor.topics';
import { tradingStateFromProto } from './risk-messages';

/**
 * Sends what the decisions wrote into the outbox, in order, then marks it published. A failure
 * leaves the rows pending for the next flush (timer or next decision); a crash after the send
 * but before the mark sends them again with the same ids (at-least-once, idempotent consumers).
 */
export class RiskOutboxRelay {
  private running: Promise<number> | undefined;
  private again = false;
  private lastError: unknown;

  constructor(
    private readonly outbox: RiskOutboxRepository,
    private readonly producer: KafkaProducer,
    private readonly topics: RiskMonitorTopics,
    private readonly metrics: RiskMonitorMetrics,
    private readonly logger: MessagingLogger,
  ) {}

  /** Publishes everything pending; resolves with the number of records sent. Single-flight. */
  flush(): Promise<number> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The error of the last failed flush, cleared by a successful one. */
  failure(): unknown {
    return this.lastError;
  }

  private async drain(): Promise<number> {
    let sent = 0;
    do {
      this.again = false;
      for (;;) {
        const pending = await this.outbox.pending(500);
        if (pending.length === 0) break;
        const byTopic = new Map<
          string,
          { key: string | null; value: Buffer; headers: Record<string, string> }[]
        >();
        for (const row of pending) {
          const list = byTopic.get(row.topic) ?? [];
          list.push({
            key: row.key,
            value: row.payload,
            headers: {
              [MessageHeader.contentType]: PROTOBUF_CONTENT_TYPE,
              [MessageHeader.messageType]: row.messageType,
            },
          });
          byTopic.set(row.topic, list);
        }
        try {
          // Control and alert of one decision go in one request (one per broker).
          await this.producer.sendRaw(
            [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          );
          this.lastError = undefined;
        } catch (error) {
          this.lastError = error;
          this.logger.error(
            { err: error, pending: pending.length },
            'outbox publish failed; will retry',
          );
          throw error;
        }
        await this.outbox.markPublished(pending.map((row) => row.seq));
        for (const row of pending) this.count(row.topic, row.payload);
        sent += pending.length;
      }
    } while (this.again);
    return sent;
  }

  private count(topic: string, payload: Buffer): void {
    try {
      if (topic === this.topics.riskControls) {
        const control = risk.RiskControl.decode(payload);
        this.metrics.controlsPublished.inc({
          state: tradingStateFromProto(control.state) ?? 'UNSPECIFIED',
        });
      } else if (topic === this.topics.alerts) {
        const alert = risk.Alert.decode(payload);
        this.metrics.alertsPublished.inc({
          severity: risk.alertSeverityToJSON(alert.severity).replace('ALERT_SEVERITY_', ''),
          code: alert.code,
        });
      }
    } catch (error) {
      this.logger.warn({ err: error, topic }, 'undecodable outbox record');
    }
  }
}
