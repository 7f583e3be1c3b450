import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { REPO_ROOT } from './paths';

/** Formats a generated file with the repository's Prettier settings, so `prettier --check` agrees. */
export async function prettierFormat(repoPath: string, text: string): Promise<string> {
  const filepath = join(REPO_ROOT, repoPath);
  const options = (await resolveConfig(filepath)) ?? {};
  return format(text, { ...options, filepath });
}
