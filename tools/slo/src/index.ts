export * from './slo.types';
export * from './slos';
export * from './rules';
export { SCENARIOS, expandingNotation, ruleTestFiles, scenarioTestGroup } from './rule-tests';
export type { Check, Phase, PromtoolTestFile, PromtoolTestGroup, Scenario } from './rule-tests';
export { dashboardQueries, dashboards, type GeneratedDashboard } from './dashboards';
export { metricNames, familyOf } from './promql';
export {
  DASHBOARDS_DIR,
  GENERATED_DIRS,
  REPO_ROOT,
  RULE_TESTS_DIR,
  RULES_DIR,
  generatedFiles,
  rulesFile,
} from './outputs';
