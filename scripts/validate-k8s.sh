#!/usr/bin/env bash
# Schema-validates Kubernetes manifests (default: deploy/kubernetes/*.yaml) with kubernetes-models from npm,
# installed once into bin/k8s-validate. Exit 0 when every document is valid.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=bin/k8s-validate
if [ ! -d "$DIR/node_modules/kubernetes-models" ] || [ ! -d "$DIR/node_modules/yaml" ]; then
  command -v npm >/dev/null || { echo "validate-k8s: npm is missing (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$DIR"
  npm install --prefix "$DIR" --no-audit --no-fund --silent --no-save kubernetes-models@5.1.0 yaml@2.9.1 >&2
fi
cp deploy/kubernetes/validate.mjs "$DIR/validate.mjs"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(deploy/kubernetes/*.yaml)
abs=()
for f in "${files[@]}"; do abs+=("$(realpath "$f")"); done
node "$DIR/validate.mjs" "${abs[@]}"
