// Validates Kubernetes manifests (YAML, several documents) against the Kubernetes object schemas
// of the kubernetes-models packages (types, required fields, formats), plus what those schemas
// leave out: object names (DNS-1123; Services DNS-1035), that each Service selects some
// Deployment's pods, and that its named target ports exist. Unknown fields are not caught: the
// schemas allow them (the API server would drop or, in strict mode, refuse them).
//   node validate-kubernetes.mjs FILE...    exit 0: all valid; 1: each problem printed
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const problems = [];
const deployments = [];
const services = [];

function moduleOf(apiVersion, kind) {
  // "apps/v1" -> kubernetes-models/apps/v1/Deployment; "v1" -> kubernetes-models/v1/Service
  return `kubernetes-models/${apiVersion}/${kind}`;
}

const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"), { uniqueKeys: true, strict: true });
  for (const [i, doc] of docs.entries()) {
    const where = `${file}: document ${i + 1}`;
    if (doc.errors.length > 0) {
      problems.push(`${where}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null) continue;
    const { apiVersion, kind } = obj;
    let model;
    try {
      model = (await import(moduleOf(apiVersion, kind)))[kind];
    } catch (e) {
      problems.push(`${where}: unknown apiVersion/kind ${apiVersion}/${kind}`);
      continue;
    }
    try {
      new model(obj).validate();
    } catch (e) {
      problems.push(`${where} (${kind} ${obj.metadata?.name}): ${e.message}`);
    }
    const name = obj.metadata?.name ?? "";
    const pattern = kind === "Service" ? dns1035 : dns1123;
    if (!pattern.test(name) || name.length > (kind === "Service" ? 63 : 253))
      problems.push(`${where}: ${kind} name "${name}" is not a valid name`);
    if (kind === "Deployment") deployments.push(obj);
    if (kind === "Service") services.push(obj);
  }
}

for (const svc of services) {
  const selector = svc.spec?.selector ?? {};
  const match = deployments.find((d) => {
    const labels = d.spec?.template?.metadata?.labels ?? {};
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
  });
  if (!match) problems.push(`Service ${svc.metadata.name}: selects no Deployment's pods`);
  for (const port of svc.spec?.ports ?? []) {
    const named = typeof port.targetPort === "string";
    const containers = match?.spec?.template?.spec?.containers ?? [];
    if (named && !containers.some((c) => (c.ports ?? []).some((p) => p.name === port.targetPort)))
      problems.push(`Service ${svc.metadata.name}: targetPort ${port.targetPort} names no container port`);
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`valid: ${process.argv.length - 2} file(s)`);
