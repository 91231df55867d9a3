// Validates Kubernetes manifests against the API's OpenAPI schemas (kubernetes-models, from npm): field types,
// required fields, enums. Unknown fields are not rejected by these schemas; KubernetesManifestTests checks the
// fields that matter by name. Usage: node validate.mjs FILE.yaml ... (run by scripts/validate-k8s.sh).
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { ServiceAccount, ConfigMap } from "kubernetes-models/v1";
import { DaemonSet } from "kubernetes-models/apps/v1";

const kinds = { "v1/ServiceAccount": ServiceAccount, "v1/ConfigMap": ConfigMap, "apps/v1/DaemonSet": DaemonSet };
let failed = 0, checked = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) { console.log(`${file}: YAML: ${doc.errors[0].message}`); failed++; continue; }
    const obj = doc.toJS();
    if (obj === null) continue;
    const Model = kinds[`${obj.apiVersion}/${obj.kind}`];
    if (!Model) { console.log(`${file}: ${obj.apiVersion}/${obj.kind}: no schema known to this checker`); failed++; continue; }
    try {
      new Model(obj).validate();
      checked++;
      console.log(`${file}: ${obj.kind} ${obj.metadata?.name}: valid`);
    } catch (e) {
      failed++;
      console.log(`${file}: ${obj.kind} ${obj.metadata?.name}: ${e.message}`);
    }
  }
}
console.log(`${checked} valid, ${failed} invalid`);
process.exit(failed > 0 || checked === 0 ? 1 : 0);
