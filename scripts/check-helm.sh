#!/usr/bin/env bash
# Checks the Helm chart without a cluster or a helm binary:
#   - values.schema.json accepts each values set below (and rejects the bad ones),
#   - `helm lint --strict` (Helm's own library, through helm-python-sdk) finds nothing,
#   - the chart renders, and every rendered manifest validates strictly against the
#     Kubernetes OpenAPI schemas (kubernetes-validate) of each version in KUBE_VERSIONS,
#   - the rendered objects hang together (probes, drain timing, security context,
#     migrations hook, references between objects), and every SWITCHBOARD__… variable
#     they set is one the server reads (crates/server/src/settings.rs).
# Values sets: the chart defaults plus the two required URLs (the minimal install), an
# inline-secrets variant, and helm/values-everything.yaml.
# Runs every check, prints each problem, and exits non-zero if there was any.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SWITCHBOARD_HELM_VENV:-/var/tmp/switchboard-helm-venv}"
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and a current one.
export KUBE_VERSIONS="${KUBE_VERSIONS:-1.30.0 1.34.0}"
requirements=(helm-python-sdk==0.2.2 kubernetes-validate==1.37.0 PyYAML==6.0.4)

# The venv is reused between runs; it is (re)built when missing or when an import fails.
if ! "$venv/bin/python" -c 'import helm_python, kubernetes_validate, yaml' 2>/dev/null; then
  echo "check-helm: installing ${requirements[*]} into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}"
fi

exec "$venv/bin/python" - "$root" <<'PY'
import copy
import os
import re
import sys

import helm_python as helm
import kubernetes_validate as kv
import yaml

root = sys.argv[1]
chart_dir = os.path.join(root, "helm", "switchboard")
kube_versions = os.environ["KUBE_VERSIONS"].split()
release, namespace = "sb", "support"
failures = []

# Objects of CRDs have no schema in kubernetes-validate: check the fields the chart uses.
CRD_SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "spec": {
                "type": "object",
                "additionalProperties": False,
                "required": ["selector", "endpoints"],
                "properties": {
                    "selector": {"type": "object", "required": ["matchLabels"]},
                    "namespaceSelector": {"type": "object"},
                    "endpoints": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["port", "path"],
                            "properties": {
                                "port": {"type": "string"},
                                "path": {"type": "string"},
                                "interval": {"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$"},
                                "scrapeTimeout": {"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$"},
                            },
                        },
                    },
                },
            }
        },
    }
}


def known_settings():
    """SWITCHBOARD__SECTION__KEY names the server reads, from its typed settings: the
    config crate ignores unknown variables, so a misspelt one would do nothing silently."""
    path = os.path.join(root, "crates", "server", "src", "settings.rs")
    src = open(path).read()
    structs = dict(re.findall(r"pub struct (\w+) \{(.*?)\n\}", src, re.S))
    if "Settings" not in structs:
        sys.exit(f"check-helm: cannot find `pub struct Settings` in {path}")
    names = {"SWITCHBOARD_LISTEN"}
    for section, ty in re.findall(r"pub (\w+): (\w+),", structs["Settings"]):
        for field in re.findall(r"pub (\w+):", structs.get(ty, "")):
            names.add(f"SWITCHBOARD__{section.upper()}__{field.upper()}")
    return names


SETTINGS = known_settings()


class UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys (the API server's strict decoding does)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_values(path):
    with open(path) as f:
        return yaml.load(f, Loader=UniqueKeyLoader) or {}


def fail(case, message):
    failures.append(f"[{case}] {message}")
    print(f"  FAIL {message}")


def render(chart, values):
    return chart.render(values, name=release, namespace=namespace, is_install=True)


def objects_of(case, manifests):
    objects = []
    for template, text in sorted(manifests.items()):
        if template.endswith("NOTES.txt"):
            if not text.strip():
                fail(case, "NOTES.txt rendered empty")
            continue
        try:
            docs = [d for d in yaml.load_all(text, Loader=UniqueKeyLoader) if d is not None]
        except yaml.YAMLError as e:
            fail(case, f"{template}: not valid YAML: {e}")
            continue
        for doc in docs:
            if not all(k in doc for k in ("apiVersion", "kind", "metadata")):
                fail(case, f"{template}: an object without apiVersion/kind/metadata")
                continue
            objects.append((template, doc))
    return objects


def validate_schemas(case, objects):
    import jsonschema

    for template, doc in objects:
        ident = f"{doc['kind']}/{doc['metadata'].get('name')}"
        crd_schema = CRD_SCHEMAS.get((doc["apiVersion"], doc["kind"]))
        if crd_schema is not None:
            try:
                jsonschema.validate(doc, crd_schema)
                print(f"  ok   {ident:45} ({template}) against the chart's CRD subset schema")
            except jsonschema.ValidationError as e:
                fail(case, f"{ident}: {'.'.join(map(str, e.path))}: {e.message}")
            continue
        for version in kube_versions:
            try:
                kv.validate(doc, version, strict=True)
            except kv.ValidationError as e:
                fail(case, f"{ident} vs Kubernetes {version}: {'.'.join(map(str, e.path))}: {e.message}")
            except kv.SchemaNotFoundError as e:
                fail(case, f"{ident}: {e.message}")
        print(f"  ok   {ident:45} ({template}) against Kubernetes {', '.join(kube_versions)} (strict)")


def by_kind(objects):
    out = {}
    for _, doc in objects:
        out.setdefault(doc["kind"], []).append(doc)
    return out


def container_secret_refs(pod_spec):
    for c in pod_spec["containers"]:
        for env in c.get("env", []):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                yield env["name"], ref


def check_pod_security(case, what, pod_spec):
    psc = pod_spec.get("securityContext", {})
    if not psc.get("runAsNonRoot") or psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        fail(case, f"{what}: pod securityContext must set runAsNonRoot and seccomp RuntimeDefault")
    if pod_spec.get("automountServiceAccountToken") is not False:
        fail(case, f"{what}: the service account token must not be mounted")
    for c in pod_spec["containers"]:
        sc = c.get("securityContext", {})
        if not (sc.get("readOnlyRootFilesystem") and sc.get("allowPrivilegeEscalation") is False
                and sc.get("capabilities", {}).get("drop") == ["ALL"]):
            fail(case, f"{what}: container {c['name']} needs a read-only root, no privilege escalation, all capabilities dropped")


def check_coherence(case, values, objects):
    """The promises of issue 9 that a schema cannot see."""
    kinds = by_kind(objects)
    merged = values
    for kind in ("Deployment", "Service", "ConfigMap", "PodDisruptionBudget"):
        if len(kinds.get(kind, [])) != 1:
            fail(case, f"expected exactly one {kind}, got {len(kinds.get(kind, []))}")
            return
    dep = kinds["Deployment"][0]
    pod = dep["spec"]["template"]["spec"]
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    container = pod["containers"][0]

    probes = {p: container.get(p, {}).get("httpGet", {}).get("path")
              for p in ("startupProbe", "livenessProbe", "readinessProbe")}
    if probes != {"startupProbe": "/healthz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"}:
        fail(case, f"probes must be startup+liveness on /healthz, readiness on /readyz: {probes}")

    drain = merged["config"]["drainTimeoutSeconds"]
    pre_stop = merged["lifecycle"]["preStopSleepSeconds"]
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace < pre_stop + drain:
        fail(case, f"terminationGracePeriodSeconds {grace} < preStop {pre_stop} + drain {drain}")
    hook = container.get("lifecycle", {}).get("preStop", {})
    slept = hook.get("sleep", {}).get("seconds") or (hook.get("exec", {}).get("command") or [None, 0])[1]
    if pre_stop and int(slept) != pre_stop:
        fail(case, f"preStop hook sleeps {slept}, values say {pre_stop}")
    config = kinds["ConfigMap"][0]["data"]
    if config.get("SWITCHBOARD__SERVER__DRAIN_TIMEOUT_SECS") != str(drain):
        fail(case, "the ConfigMap does not carry the drain timeout the grace period was computed from")
    if config.get("SWITCHBOARD_LISTEN") != "0.0.0.0:8080" or container["ports"][0]["containerPort"] != 8080:
        fail(case, "the node must listen on 0.0.0.0:8080, the container port")
    check_pod_security(case, "Deployment", pod)

    svc = kinds["Service"][0]
    if any(pod_labels.get(k) != v for k, v in svc["spec"]["selector"].items()):
        fail(case, "the Service selector does not match the pods")
    pdb = kinds["PodDisruptionBudget"][0]
    if pdb["spec"]["selector"]["matchLabels"] != dep["spec"]["selector"]["matchLabels"]:
        fail(case, "the PodDisruptionBudget selects other pods than the Deployment")

    # Every Secret key a container reads exists: in a rendered Secret, or in existingSecret.
    secrets = {s["metadata"]["name"]: s.get("data", {}) for s in kinds.get("Secret", [])}
    external = merged["existingSecret"]["name"]
    pods = [("Deployment", pod)] + [("Job", j["spec"]["template"]["spec"]) for j in kinds.get("Job", [])]
    for what, spec in pods:
        for env_name, ref in container_secret_refs(spec):
            if ref["name"] == external:
                continue
            if ref["name"] not in secrets:
                fail(case, f"{what} env {env_name} reads Secret {ref['name']}, which is not rendered")
            elif ref["key"] not in secrets[ref["name"]] and not ref.get("optional"):
                fail(case, f"{what} env {env_name} reads missing key {ref['key']} of Secret {ref['name']}")
        names = {e["name"] for c in spec["containers"] for e in c.get("env", [])}
        if not {"DATABASE_URL", "REDIS_URL"} <= names:
            fail(case, f"{what} lacks DATABASE_URL or REDIS_URL")
    env_names = set(config) | {e["name"] for _, spec in pods for c in spec["containers"] for e in c.get("env", [])}
    unknown = sorted(n for n in env_names if n.startswith("SWITCHBOARD") and n not in SETTINGS)
    if unknown:
        fail(case, f"settings the server does not read (crates/server/src/settings.rs): {unknown}")
    for ref in container.get("envFrom", []):
        name = ref.get("configMapRef", {}).get("name")
        if name and name != kinds["ConfigMap"][0]["metadata"]["name"]:
            fail(case, f"envFrom reads ConfigMap {name}, which is not rendered")

    jobs = kinds.get("Job", [])
    if merged["migrations"]["enabled"]:
        if len(jobs) != 1:
            fail(case, "the migrations Job is missing")
        else:
            job = jobs[0]
            hooks = set(job["metadata"].get("annotations", {}).get("helm.sh/hook", "").split(","))
            if hooks != {"pre-install", "pre-upgrade"}:
                fail(case, f"the migrations Job must be a pre-install,pre-upgrade hook, is {hooks}")
            command = job["spec"]["template"]["spec"]["containers"][0].get("command")
            if command != ["switchboard", "migrate"]:
                fail(case, f"the migrations Job runs {command}")
            check_pod_security(case, "Job", job["spec"]["template"]["spec"])
            # Hook pods start before the release's own objects exist.
            hook_secrets = {s["metadata"]["name"] for s in kinds.get("Secret", [])
                            if "helm.sh/hook" in s["metadata"].get("annotations", {})}
            for env_name, ref in container_secret_refs(job["spec"]["template"]["spec"]):
                if ref["name"] != external and ref["name"] not in hook_secrets:
                    fail(case, f"the migrations Job reads non-hook Secret {ref['name']}: absent on first install")

    hpas = kinds.get("HorizontalPodAutoscaler", [])
    if merged["autoscaling"]["enabled"]:
        if len(hpas) != 1 or hpas[0]["spec"]["scaleTargetRef"]["name"] != dep["metadata"]["name"]:
            fail(case, "the HorizontalPodAutoscaler is missing or targets another Deployment")
        if "replicas" in dep["spec"]:
            fail(case, "with an HPA the Deployment must not set replicas (upgrades would reset it)")
    if merged["ingress"]["enabled"]:
        ing = kinds.get("Ingress", [None])[0]
        if ing is None:
            fail(case, "the Ingress is missing")
        elif merged["ingress"]["nginx"]:
            ann = ing["metadata"].get("annotations", {})
            timeout = str(merged["ingress"]["websocketTimeoutSeconds"])
            if ann.get("nginx.ingress.kubernetes.io/proxy-read-timeout") != timeout:
                fail(case, "the Ingress lacks the websocket read timeout")
    if merged["metrics"]["serviceMonitor"]["enabled"] and not kinds.get("ServiceMonitor"):
        fail(case, "the ServiceMonitor is missing")
    print(f"  ok   coherence: {', '.join(f'{k} x{len(v)}' for k, v in sorted(kinds.items()))}")


def check_case(chart, case, values, expect_kinds=()):
    print(f"== {case}")
    before = len(failures)
    try:
        chart.validate_schema(values)
        print("  ok   values.schema.json accepts the values")
    except helm.HelmError as e:
        fail(case, f"values.schema.json rejects the values: {e}")
        return
    report = helm.lint(chart_dir, values, strict=True, namespace=namespace,
                       kube_version=f"v{kube_versions[0]}")
    for m in report.get("messages", []):
        if m["severity"] >= 2:
            fail(case, f"lint: {m['path']}: {m['error']}")
        else:
            print(f"  info lint: {m['path']}: {m['error']}")
    for e in report.get("errors", []):
        fail(case, f"lint: {e}")
    if len(failures) == before:
        print(f"  ok   helm lint --strict (kube {kube_versions[0]})")
    try:
        manifests = render(chart, values)
    except helm.HelmError as e:
        fail(case, f"render failed: {e}")
        return
    objects = objects_of(case, manifests)
    validate_schemas(case, objects)
    merged = chart.merge_values(values)
    check_coherence(case, merged, objects)
    kinds = {doc["kind"] for _, doc in objects}
    for kind in expect_kinds:
        if kind not in kinds:
            fail(case, f"expected a {kind} in the output")


def check_rejected(chart, case, values, expected):
    """Values that must not produce manifests: the schema or a template refuses them."""
    print(f"== {case} (must be refused)")
    try:
        chart.validate_schema(values)
        render(chart, values)
    except helm.HelmError as e:
        if expected in str(e):
            print(f"  ok   refused: {expected}")
        else:
            fail(case, f"refused for another reason than {expected!r}: {e}")
        return
    fail(case, f"accepted; expected a refusal mentioning {expected!r}")


def main():
    print(f"check-helm: Helm SDK {helm.helm_sdk_version()}, kubernetes-validate {kv.__version__}, "
          f"Kubernetes {', '.join(kube_versions)}")
    urls = {"database": {"url": "postgres://switchboard:pw@postgres:5432/switchboard"},
            "redis": {"url": "redis://:pw@redis:6379"}}
    inline = copy.deepcopy(urls)
    inline.update({
        "ice": {"stunUrls": ["stun:stun.example.com:3478"],
                "turn": {"urls": ["turn:turn.example.com:3478"], "secret": "s3cret"}},
        "ingress": {"enabled": True, "nginx": False, "stickySessions": "client-ip",
                    "annotations": {"example.com/lb": "internal"}},
        "lifecycle": {"preStopSleepSeconds": 0},
        "migrations": {"enabled": False},
        "serviceAccount": {"create": False, "name": "support"},
    })
    everything = load_values(os.path.join(root, "helm", "values-everything.yaml"))
    with helm.Chart.load(chart_dir) as chart:
        print(f"chart {chart.name} {chart.version} (app {chart.metadata.get('appVersion')}) at {chart_dir}")
        check_case(chart, "defaults + required URLs", urls,
                   ["Deployment", "Service", "ConfigMap", "Secret", "ServiceAccount",
                    "PodDisruptionBudget", "Job"])
        check_case(chart, "inline TURN secret, other ingress controller", inline,
                   ["Ingress", "Secret"])
        check_case(chart, "helm/values-everything.yaml", everything,
                   ["Deployment", "Service", "Ingress", "HorizontalPodAutoscaler",
                    "PodDisruptionBudget", "ConfigMap", "ServiceMonitor", "Job", "ServiceAccount"])
        check_rejected(chart, "bare defaults", {}, "database.url is required")
        check_rejected(chart, "writable root filesystem",
                       {**urls, "securityContext": {"readOnlyRootFilesystem": False,
                                                    "allowPrivilegeEscalation": False}},
                       "readOnlyRootFilesystem")
        check_rejected(chart, "two kinds of TURN credentials",
                       {**urls, "ice": {"turn": {"urls": ["turn:t:3478"], "secret": "a",
                                                 "username": "u", "credential": "c"}}},
                       "not both")
        check_rejected(chart, "grace period shorter than the drain",
                       {**urls, "lifecycle": {"terminationGracePeriodSeconds": 20}},
                       "must cover")
        check_rejected(chart, "unknown value (typo)", {**urls, "replicas": 3}, "replicas")
    if failures:
        print(f"\ncheck-helm: {len(failures)} problem(s):")
        for f in failures:
            print(f"  {f}")
        sys.exit(1)
    print("\ncheck-helm: all checks passed")


main()
PY
