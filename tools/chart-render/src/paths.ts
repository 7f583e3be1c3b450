import { join } from 'node:path';

/** The repository root (tools/chart-render/src → three levels up). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');
/** The platform chart. */
export const CHART_DIR = join(REPO_ROOT, 'charts', 'meridian');
/** This project's root: build.sh, go/, .build/. */
export const PROJECT_DIR = join(__dirname, '..');
/** The renderer binary build.sh produces. */
export const RENDERER_BIN = join(PROJECT_DIR, '.build', 'bin', 'chart-render');
