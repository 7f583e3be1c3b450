/**
 * @meridian/chart-render: renders Helm charts offline (tools/chart-render/go, Go text/template +
 * Sprig, built by build.sh) and checks the platform chart: Kubernetes schema validation, policy
 * checks, and the generators of the chart's topic file and README.
 */
export * from './paths';
export * from './render-chart';
export * from './validate-objects';
export * from './policy';
export { chartTopics, kafkaTopicsFile, topicsFileIsCurrent, TOPICS_FILE } from './generate-topics';
export { readmeFile, readmeIsCurrent, README_FILE, valueDocs } from './generate-readme';
