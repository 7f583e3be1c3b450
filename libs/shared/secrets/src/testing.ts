/** Test helpers for other libs' specs: a Vault HTTP double and a manual clock. */
export {
  VaultDouble,
  type VaultDoubleOptions,
  type VaultDoubleFaults,
  type VaultDoubleDatabaseRole,
  type VaultDoubleLease,
  type IssuedCredentials,
  type RecordedRequest,
} from './testing/vault-double.server';
export { ManualScheduler } from './testing/manual.scheduler';
