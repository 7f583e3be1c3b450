// Docker HEALTHCHECK for every Meridian image: GET /health/live on the ops port. Plain node (the
// slim base has no curl/wget); exits 0 only on HTTP 200 within the timeout.
'use strict';
const port = Number(process.env.METRICS_PORT || 9464);
fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(2500) }).then(
  (response) => process.exit(response.status === 200 ? 0 : 1),
  () => process.exit(1),
);
