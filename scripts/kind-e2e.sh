#!/usr/bin/env bash
# End to end on kind: creates a cluster from kind-config.yaml, builds and loads the image, installs
# deploy/overlays/kind, routes examples/in-cluster/service-backend.yaml to an echo server, checks the
# route through both agents' host ports, deletes the resource, checks the route is gone, and deletes
# the cluster (KEEP_CLUSTER=1 keeps it; a cluster that already existed is reused and kept).
# Needs docker, kind, kubectl and curl. Environment: CLUSTER_NAME, IMAGE, KIND_NODE_IMAGE, TIMEOUT.
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER_NAME=${CLUSTER_NAME:-wise2c-ingress-e2e}
IMAGE=${IMAGE:-wise2c-ingress:dev}
KEEP_CLUSTER=${KEEP_CLUSTER:-0}
KIND_NODE_IMAGE=${KIND_NODE_IMAGE:-}
TIMEOUT=${TIMEOUT:-180s}
NAMESPACE=wise2c-ingress

# The resource under test and what it routes (must match the example file).
EXAMPLE=examples/in-cluster/service-backend.yaml
WIC_NAMESPACE=shop
WIC_NAME=web
WIC_HOST=www.example.com
BACKEND_PORT=8080
ECHO_IMAGE=registry.k8s.io/e2e-test-images/agnhost:2.53
# The agents' host ports on this machine, one per worker (kind-config.yaml extraPortMappings).
AGENT_PORTS=(8081 8082)

created_cluster=0
cluster_up=0
kubectl=(kubectl --context "kind-${CLUSTER_NAME}")

log() { printf '\n==> %s\n' "$*"; }
fail() {
  printf 'kind-e2e: FAILED: %s\n' "$*" >&2
  exit 1
}

# On failure: what the cluster looked like, then the cluster goes (unless kept).
cleanup() {
  local rc=$?
  trap - EXIT
  if ((rc != 0 && cluster_up == 1)); then
    log "diagnostics"
    "${kubectl[@]}" get nodes -o wide || true
    "${kubectl[@]}" get pods -A -o wide || true
    "${kubectl[@]}" get wic -A -o yaml || true
    "${kubectl[@]}" -n "$NAMESPACE" get events --sort-by=.lastTimestamp || true
    "${kubectl[@]}" -n "$NAMESPACE" logs -l app.kubernetes.io/component=controller --prefix --tail=200 || true
    "${kubectl[@]}" -n "$NAMESPACE" logs -l app.kubernetes.io/component=agent --prefix --tail=200 || true
  fi
  if ((created_cluster == 1)) && [ "$KEEP_CLUSTER" != 1 ]; then
    log "deleting kind cluster ${CLUSTER_NAME}"
    kind delete cluster --name "$CLUSTER_NAME" || true
  elif ((created_cluster == 1)); then
    log "keeping kind cluster ${CLUSTER_NAME} (kubectl --context kind-${CLUSTER_NAME})"
  fi
  exit "$rc"
}
trap cleanup EXIT

# curl_route PORT PATH: prints "<http code> <body>" of a request for WIC_HOST through one agent.
curl_route() {
  curl -sS --max-time 5 -w ' %{http_code}' -H "Host: ${WIC_HOST}" "http://127.0.0.1:$1$2" 2>/dev/null || true
}

# expect_route PORT PATH CODE [TEXT]: retries for up to 60 s until the agent answers CODE (with TEXT).
expect_route() {
  local port=$1 path=$2 code=$3 body=${4:-} out=''
  for _ in $(seq 1 60); do
    out=$(curl_route "$port" "$path")
    if [ "${out##* }" = "$code" ] && [[ "${out% *}" == *"$body"* ]]; then
      printf 'port %s: HTTP %s%s\n' "$port" "$code" "${body:+ $body}"
      return 0
    fi
    sleep 1
  done
  fail "through 127.0.0.1:${port}${path}: expected HTTP ${code} ${body}, got: ${out}"
}

for tool in docker kind kubectl curl; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
  log "reusing kind cluster ${CLUSTER_NAME}"
else
  log "creating kind cluster ${CLUSTER_NAME}"
  create=(kind create cluster --name "$CLUSTER_NAME" --config kind-config.yaml --wait 120s)
  if [ -n "$KIND_NODE_IMAGE" ]; then create+=(--image "$KIND_NODE_IMAGE"); fi
  created_cluster=1
  "${create[@]}"
fi
cluster_up=1
# kind-config.yaml labels the workers already; older kind releases ignore node labels there.
"${kubectl[@]}" label nodes -l '!node-role.kubernetes.io/control-plane' \
  ingress.wise2c.com/edge=true --overwrite

log "building ${IMAGE}"
docker build -t "$IMAGE" .
kind load docker-image "$IMAGE" --name "$CLUSTER_NAME"

log "installing deploy/overlays/kind"
"${kubectl[@]}" apply -k deploy/overlays/kind
"${kubectl[@]}" wait --for=condition=Established --timeout="$TIMEOUT" \
  crd/wise2cingressconfigs.ingress.wise2c.com
"${kubectl[@]}" -n "$NAMESPACE" rollout status statefulset/rabbitmq --timeout="$TIMEOUT"
"${kubectl[@]}" -n "$NAMESPACE" rollout status deployment/redis --timeout="$TIMEOUT"
"${kubectl[@]}" -n "$NAMESPACE" rollout status deployment/wise2c-ingress-controller --timeout="$TIMEOUT"
"${kubectl[@]}" -n "$NAMESPACE" rollout status daemonset/wise2c-ingress-agent --timeout="$TIMEOUT"

log "starting the echo backend ${WIC_NAMESPACE}/${WIC_NAME}"
"${kubectl[@]}" create namespace "$WIC_NAMESPACE" --dry-run=client -o yaml | "${kubectl[@]}" apply -f -
"${kubectl[@]}" apply -f - <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${WIC_NAME}
  namespace: ${WIC_NAMESPACE}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${WIC_NAME}}
  template:
    metadata:
      labels: {app: ${WIC_NAME}}
    spec:
      containers:
        - name: echo
          image: ${ECHO_IMAGE}
          args: [netexec, --http-port=${BACKEND_PORT}]
          ports: [{name: http, containerPort: ${BACKEND_PORT}}]
          readinessProbe: {httpGet: {path: /, port: http}}
---
apiVersion: v1
kind: Service
metadata:
  name: ${WIC_NAME}
  namespace: ${WIC_NAMESPACE}
spec:
  selector: {app: ${WIC_NAME}}
  ports: [{name: http, port: ${BACKEND_PORT}, targetPort: http}]
YAML
"${kubectl[@]}" -n "$WIC_NAMESPACE" rollout status "deployment/${WIC_NAME}" --timeout="$TIMEOUT"

log "applying ${EXAMPLE}"
"${kubectl[@]}" apply -f "$EXAMPLE"
"${kubectl[@]}" -n "$WIC_NAMESPACE" wait --for=condition=Ready --timeout="$TIMEOUT" "wic/${WIC_NAME}"
"${kubectl[@]}" get wic -A
synced=$("${kubectl[@]}" -n "$WIC_NAMESPACE" get "wic/${WIC_NAME}" -o jsonpath='{.status.syncedAgents}')
[ "$synced" = "${#AGENT_PORTS[@]}/${#AGENT_PORTS[@]}" ] ||
  fail "status.syncedAgents is ${synced}, expected every agent (${#AGENT_PORTS[@]})"

log "requesting ${WIC_HOST} through every agent"
for port in "${AGENT_PORTS[@]}"; do
  expect_route "$port" "/echo?msg=wise2c-e2e" 200 wise2c-e2e
done

log "deleting ${WIC_NAMESPACE}/${WIC_NAME}"
"${kubectl[@]}" delete -f "$EXAMPLE" --wait --timeout="$TIMEOUT"
if "${kubectl[@]}" -n "$WIC_NAMESPACE" get "wic/${WIC_NAME}" >/dev/null 2>&1; then
  fail "wic/${WIC_NAME} still exists after delete"
fi
for port in "${AGENT_PORTS[@]}"; do
  expect_route "$port" "/echo?msg=wise2c-e2e" 404
done

log "kind end-to-end test passed"
