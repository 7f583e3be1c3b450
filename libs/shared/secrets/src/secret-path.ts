import { SecretPathInvalidError } from './secrets.error';

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Secret paths are `segment/segment` of letters, digits, `_`, `-` and `.`; no empty, `.` or
 * `..` segments, so a path can never climb out of a mount or a secrets directory.
 */
export function assertSecretPath(path: string, what = 'secret path'): void {
  const segments = path.split('/');
  const valid = segments.every(
    (segment) => SEGMENT.test(segment) && segment !== '..' && segment !== '.',
  );
  if (!valid) {
    throw new SecretPathInvalidError(
      `invalid ${what} "${path}": use segments of [A-Za-z0-9_.-] separated by "/"`,
      {
        metadata: { path },
      },
    );
  }
}

/** A key names one value inside a secret: a single segment (it is a file name for the file store). */
export function assertSecretKey(key: string): void {
  if (!SEGMENT.test(key)) {
    throw new SecretPathInvalidError(
      `invalid secret key "${key}": use [A-Za-z0-9_.-], not starting with "." or "-"`,
      {
        metadata: { key },
      },
    );
  }
}
