// Validates Kubernetes objects (a JSON array on stdin) with kubernetes-models and the
// @kubernetes-models CRD packages; prints a JSON array of {object, message} for the objects that
// fail, and of {object, message: "no-model"} for kinds without a model. Plain ESM on purpose: the
// model packages are ESM-only ("import" condition), which jest's CommonJS runtime cannot resolve.
const MODULES = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'kafka.strimzi.io/v1beta2': '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};
let input = '';
for await (const chunk of process.stdin) input += chunk;
const objects = JSON.parse(input);
const issues = [];
for (const object of objects) {
  const id = `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name}`;
  const specifier = MODULES[object.apiVersion];
  const Model = specifier === undefined ? undefined : (await import(specifier))[object.kind];
  if (Model === undefined) {
    issues.push({ object: id, message: 'no-model' });
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    issues.push({ object: id, message: error instanceof Error ? error.message : String(error) });
  }
}
process.stdout.write(JSON.stringify(issues));
