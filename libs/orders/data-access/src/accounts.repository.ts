import type { Queryable } from '@meridian/shared-persistence';
import { z } from 'zod';

const agentRow = z.object({ agent_id: z.string(), account_id: z.string(), name: z.string() });

export interface Agent {
  readonly agentId: string;
  readonly accountId: string;
  readonly name: string;
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

  async createAgent(agent: Agent): Promise<void> {
    await this.db.query('INSERT INTO agents (agent_id, account_id, name) VALUES ($1, $2, $3)', [
      agent.agentId,
      agent.accountId,
      agent.name,
    ]);
  }

  async findAgent(agentId: string): Promise<Agent | null> {
    const { rows } = await this.db.query(
      'SELECT agent_id, account_id, name FROM agents WHERE agent_id = $1',
      [agentId],
      { rowSchema: agentRow },
    );
    const row = rows[0];
    return row === undefined
      ? null
      : { agentId: row.agent_id, accountId: row.account_id, name: row.name };
  }
}
