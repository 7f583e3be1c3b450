/**
 * Writes docs/topics.md from the topic registry in @meridian/contracts, so the documentation
 * cannot drift from the code. `--check` fails instead of writing when the file is stale
 * (part of `npm test`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allTopics } from '@meridian/contracts';

const target = join(__dirname, '..', '..', 'docs', 'topics.md');

function retention(ms: number): string {
  if (ms < 0) return 'forever';
  const days = ms / 86_400_000;
  return Number.isInteger(days) ? `${days} d` : `${ms} ms`;
}

const rows = allTopics().map((topic) => {
  const schema = topic.kind === 'primary' ? `\`${topic.schema.typeName}\`` : 'original bytes + error headers';
  return `| \`${topic.name}\` | ${topic.key} | ${topic.partitions} | ${topic.replicationFactor} / ${topic.minInsyncReplicas} | ${topic.cleanupPolicy} | ${retention(topic.retentionMs)} | ${schema} | ${topic.description} |`;
});

const content = `# Kafka topics

Generated from \`libs/contracts/src/topics/topic-registry.ts\` by
\`npx tsx tools/scripts/generate-topic-docs.ts\`; \`npm test\` fails when this file is stale.

Topic names are **frozen once shipped**: a breaking change is a new topic version
(\`orders.commands.v2\`) next to the old one. Values are protobuf (\`content-type:
application/x-protobuf\`, \`message-type: <type>\` headers) and carry W3C trace context headers.
Every topic has a \`<topic>.dlq\` where consumers park records they cannot decode or process,
with the error in \`dlq-*\` headers. The dev broker pre-creates all of them.

| topic | key | partitions | RF / min ISR | cleanup | retention | value | purpose |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;

if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== content) {
    console.error('docs/topics.md is stale: run `npx tsx tools/scripts/generate-topic-docs.ts`');
    process.exit(1);
  }
} else {
  writeFileSync(target, content);
  console.log(`wrote ${target}`);
}
