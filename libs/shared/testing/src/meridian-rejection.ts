import { isMeridianError, type MeridianError } from '@meridian/shared-errors';

/**
 * The MeridianError `promise` rejects with, for asserting its code, category and metadata.
 * Throws when the promise resolves or rejects with anything that is not a MeridianError.
 */
export async function meridianRejection(promise: Promise<unknown>): Promise<MeridianError> {
  try {
    await promise;
  } catch (error) {
    if (isMeridianError(error)) return error;
    throw new Error(`expected a MeridianError, got ${String(error)}`);
  }
  throw new Error('expected the promise to reject');
}
