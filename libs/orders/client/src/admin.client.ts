import { admin, type risk } from '@meridian/contracts';
import {
  type CallerOptions,
  type CallSettings,
  clientOptionsOf,
  type ConnectionOptions,
  credentialsOf,
  UnaryCaller,
} from './connection';
import { decimal } from './decimal';

export interface AdminClientOptions extends ConnectionOptions, CallerOptions {}

/** Risk limits with decimals as plain strings (absent: no limit for that rule). */
export interface RiskLimitsInput {
  readonly maxOrderQuantity?: string;
  readonly maxOrderNotional?: string;
  readonly priceBandBps?: number;
  readonly maxOpenOrders?: number;
  readonly maxPosition?: string;
  readonly maxGrossExposure?: string;
  /** Token bucket of each agent of the account; required, ≥ 1. */
  readonly orderRatePerSecond: number;
  readonly orderBurst: number;
}

/** The wire RiskLimits of `limits` (decimals checked for the canonical form). */
export function riskLimitsOf(limits: RiskLimitsInput): admin.RiskLimits {
  const d = (value: string | undefined) => (value === undefined ? undefined : decimal(value));
  return admin.RiskLimits.fromPartial({
    maxOrderQuantity: d(limits.maxOrderQuantity),
    maxOrderNotional: d(limits.maxOrderNotional),
    priceBandBps: limits.priceBandBps,
    maxOpenOrders: limits.maxOpenOrders,
    maxPosition: d(limits.maxPosition),
    maxGrossExposure: d(limits.maxGrossExposure),
    orderRatePerSecond: limits.orderRatePerSecond,
    orderBurst: limits.orderBurst,
  });
}

/** A trading agent created by {@link AdminClient.provisionTrader}. */
export interface ProvisionedAgent {
  readonly accountId: string;
  readonly agentId: string;
  readonly keyId: string;
  /** The plaintext key (`mrd_<keyId>.<secret>`), shown once by the gateway. */
  readonly apiKey: string;
}

/**
 * AdminService of the order gateway (admin API keys only): accounts, agents, API keys, risk
 * limits and trading states. Mutations are never retried automatically (a repeated
 * CreateAccount/IssueApiKey would create a second one); reads are.
 */
export class AdminClient {
  private readonly client: admin.AdminServiceClient;
  private readonly caller: UnaryCaller;

  constructor(private readonly options: AdminClientOptions) {
    this.client = new admin.AdminServiceClient(
      options.address,
      credentialsOf(options),
      clientOptionsOf(options),
    );
    this.caller = new UnaryCaller(options);
  }

  createAccount(
    request: Partial<admin.CreateAccountRequest>,
    settings?: CallSettings,
  ): Promise<admin.CreateAccountResponse> {
    return this.caller.call(
      'CreateAccount',
      this.client.createAccount.bind(this.client),
      admin.CreateAccountRequest.fromPartial(request),
      settings,
    );
  }

  createAgent(
    request: Partial<admin.CreateAgentRequest>,
    settings?: CallSettings,
  ): Promise<admin.CreateAgentResponse> {
    return this.caller.call(
      'CreateAgent',
      this.client.createAgent.bind(this.client),
      admin.CreateAgentRequest.fromPartial(request),
      settings,
    );
  }

  issueApiKey(
    request: Partial<admin.IssueApiKeyRequest>,
    settings?: CallSettings,
  ): Promise<admin.IssueApiKeyResponse> {
    return this.caller.call(
      'IssueApiKey',
      this.client.issueApiKey.bind(this.client),
      admin.IssueApiKeyRequest.fromPartial(request),
      settings,
    );
  }

  rotateApiKey(
    request: Partial<admin.RotateApiKeyRequest>,
    settings?: CallSettings,
  ): Promise<admin.RotateApiKeyResponse> {
    return this.caller.call(
      'RotateApiKey',
      this.client.rotateApiKey.bind(this.client),
      admin.RotateApiKeyRequest.fromPartial(request),
      settings,
    );
  }

  revokeApiKey(
    request: Partial<admin.RevokeApiKeyRequest>,
    settings?: CallSettings,
  ): Promise<admin.RevokeApiKeyResponse> {
    return this.caller.call(
      'RevokeApiKey',
      this.client.revokeApiKey.bind(this.client),
      admin.RevokeApiKeyRequest.fromPartial(request),
      settings,
    );
  }

  /** Replaces the account's limits (the complete set). */
  setRiskLimits(
    accountId: string,
    limits: RiskLimitsInput,
    reason = '',
    settings?: CallSettings,
  ): Promise<admin.SetRiskLimitsResponse> {
    return this.caller.call(
      'SetRiskLimits',
      this.client.setRiskLimits.bind(this.client),
      admin.SetRiskLimitsRequest.fromPartial({ accountId, limits: riskLimitsOf(limits), reason }),
      settings,
    );
  }

  getRiskLimits(accountId: string, settings?: CallSettings): Promise<admin.GetRiskLimitsResponse> {
    return this.caller.call(
      'GetRiskLimits',
      this.client.getRiskLimits.bind(this.client),
      admin.GetRiskLimitsRequest.fromPartial({ accountId }),
      settings,
    );
  }

  setTradingState(
    request: {
      readonly scope: risk.ControlScope;
      readonly targetId?: string;
      readonly state: risk.TradingState;
      readonly reason: string;
    },
    settings?: CallSettings,
  ): Promise<admin.SetTradingStateResponse> {
    return this.caller.call(
      'SetTradingState',
      this.client.setTradingState.bind(this.client),
      admin.SetTradingStateRequest.fromPartial(request),
      settings,
    );
  }

  getTradingState(
    request: { readonly scope: risk.ControlScope; readonly targetId?: string },
    settings?: CallSettings,
  ): Promise<admin.GetTradingStateResponse> {
    return this.caller.call(
      'GetTradingState',
      this.client.getTradingState.bind(this.client),
      admin.GetTradingStateRequest.fromPartial(request),
      settings,
    );
  }

  /**
   * Account (created unless `createAccount` is false) with `limits`, a TRADER agent on it and an
   * API key: what a simulation or a demo needs per agent.
   */
  async provisionTrader(input: {
    readonly accountId: string;
    readonly agentId: string;
    readonly limits: RiskLimitsInput;
    readonly name?: string;
    readonly createAccount?: boolean;
    readonly reason?: string;
  }): Promise<ProvisionedAgent> {
    const reason = input.reason ?? 'provisioned by @meridian/orders-client';
    if (input.createAccount !== false) {
      await this.createAccount({
        accountId: input.accountId,
        name: input.name ?? input.accountId,
        reason,
      });
      await this.setRiskLimits(input.accountId, input.limits, reason);
    }
    await this.createAgent({
      accountId: input.accountId,
      agentId: input.agentId,
      name: input.name ?? input.agentId,
      role: admin.ApiKeyRole.TRADER,
      reason,
    });
    const key = await this.issueApiKey({ agentId: input.agentId, reason });
    return {
      accountId: input.accountId,
      agentId: input.agentId,
      keyId: key.keyId,
      apiKey: key.apiKey,
    };
  }

  /** Closes the channel (unless it was given in the options). */
  close(): void {
    if (this.options.channel === undefined) this.client.close();
  }
}
