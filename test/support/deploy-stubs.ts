// Stand-ins for docker, kind, kubectl, curl and sleep, so scripts/kind-e2e.sh runs here without a
// container engine: each logs its arguments to calls.log; kubectl and curl answer as a working
// cluster would (STUB_CURL_CODE makes every request answer that code instead).
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const LOG = 'printf \'%s %s\\n\' "$(basename "$0")" "$*" >>"$STUB_DIR/calls.log"';

const STUBS: Record<string, string> = {
  docker: LOG,
  sleep: ':',
  kind: `${LOG}
if [ "$1 $2" = "get clusters" ]; then printf '%s\\n' \${STUB_EXISTING_CLUSTERS:-}; fi`,
  kubectl: `${LOG}
args=" $* "
case "$args" in
  *" create namespace "*) printf 'apiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: x\\n' ;;
  *" apply -f - "*) cat >/dev/null ;;
  *" delete -f "*) touch "$STUB_DIR/deleted" ;;
  *" get wic/"*" -o jsonpath="*) printf '2/2' ;;
  *" get wic/"*) [ ! -e "$STUB_DIR/deleted" ] ;;
esac`,
  curl: `${LOG}
if [ -n "\${STUB_CURL_CODE:-}" ]; then printf ' %s' "$STUB_CURL_CODE"; exit 0; fi
host=''; url=''
while [ $# -gt 0 ]; do
  case "$1" in -H) host=$2; shift ;; http://*) url=$1 ;; esac
  shift
done
if [ ! -e "$STUB_DIR/deleted" ] && [ "$host" = "Host: www.example.com" ] && [ "\${url#*/echo?msg=}" != "$url" ]; then
  printf '%s 200' "\${url#*/echo?msg=}"
else
  printf '404 page ... 404'
fi`,
};

/** A folder holding the stubs (put it first on PATH) and, once they run, calls.log. */
export async function makeStubs(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'w2i-kind-stubs-'));
  await mkdir(path.join(dir, 'bin'));
  for (const [name, body] of Object.entries(STUBS)) {
    const file = path.join(dir, 'bin', name);
    await writeFile(file, `#!/usr/bin/env bash\nset -u\n${body}\n`);
    await chmod(file, 0o755);
  }
  return dir;
}
