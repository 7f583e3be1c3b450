import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';
import { API_KEY_ROLES, type ApiKeyRole } from './api-key.hasher';

const agentRow = z.object({
  agent_id: z.string(),
  account_id: z.string(),
  name: z.string(),
  role: z.enum(API_KEY_ROLES),
});

export interface Agent {
  readonly agentId: string;
  readonly accountId: string;
  readonly name: string;
  /** The role of the keys issued to the agent (default `trader`). */
  readonly role?: ApiKeyRole;
}

/** Accounts and the agents that trade for them (an agent belongs to exactly one account). */
export class AccountsRepository {
  constructor(private readonly db: Queryable) {}

  async createAccount(accountId: string, name: string): Promise<void> {
    await this.db.query('INSERT INTO accounts (account_id, name) VALUES ($1, $2)', [
      accountId,
      name,
    ]);
  }

  async accountExists(accountId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM accounts WHERE account_id = $1', [
      accountId,
    ]);
    return rowCount > 0;
  }

  async createAgent(agent: Agent): Promise<void> {
    await this.db.query(
      'INSERT INTO agents (agent_id, account_id, name, role) VALUES ($1, $2, $3, $4)',
      [agent.agentId, agent.accountId, agent.name, agent.role ?? 'trader'],
    );
  }

  async findAgent(agentId: string): Promise<Required<Agent> | null> {
    const { rows } = await this.db.query(
      'SELECT agent_id, account_id, name, role FROM agents WHERE agent_id = $1',
      [agentId],
      { rowSchema: agentRow },
    );
    const row = rows[0];
    return row === undefined
      ? null
      : { agentId: row.agent_id, accountId: row.account_id, name: row.name, role: row.role };
  }
}
