#!/bin/sh
# examples/kubernetes: the pod that runs a release with smoothver deploy
# (an init container bootstrapping the root, the release, a sidecar
# following the store) is validated against the Kubernetes schemas by a
# real validator (ci/k8s-validate.js: the npm package kubernetes-models,
# plus a strict check of unknown members), which must also catch broken
# manifests; and the smoothver command lines the manifests run are ones
# smoothver accepts.
. "$SV_SRCDIR/tests/e2e/lib.sh"

K8S=$SV_SRCDIR/examples/kubernetes
MODULES=${SV_K8S_MODULES:-/usr/local/lib/smoothver-k8s/node_modules}
if ! command -v node >/dev/null 2>&1 || [ ! -d "$MODULES/kubernetes-models" ]; then
	echo "1..0 # SKIP no Kubernetes validator (ci/lib.sh ensure_k8s_validator installs it)"
	exit 0
fi
validate() {
	NODE_PATH=$MODULES node "$SV_SRCDIR/ci/k8s-validate.js" "$@"
}

test_expect_success 'the example manifests are valid Kubernetes objects' '
	validate "$K8S/tally.yaml" "$K8S/tally-shared-volume.yaml" >out &&
	expect_out "$K8S/tally.yaml: 7 documents valid
$K8S/tally-shared-volume.yaml: 2 documents valid"
'

test_expect_success 'the validator refuses wrong types, unknown members and kinds' '
	sed "s/containerPort: 4000/containerPort: \"4000\"/; s/        - name: bootstrap/        - name: bootstrap\n          imagePullPolice: Always/; s/  maxUnavailable: 1/  maxUnavailable: 1\n  minAvailables: 2/; s/kind: Service\$/kind: Servise/" \
		"$K8S/tally.yaml" >bad.yaml &&
	! validate bad.yaml >out &&
	contains out "bad.yaml: document 5 (PodDisruptionBudget tally): /spec/minAvailables: PodDisruptionBudgetSpec has no member \"minAvailables\"" &&
	contains out "bad.yaml: document 6 (Servise tally): unknown apiVersion/kind v1/Servise" &&
	contains out "(Deployment tally): /spec/template/spec/containers/0/ports/0/containerPort: must be integer" &&
	contains out "(Deployment tally): /spec/template/spec/initContainers/0/imagePullPolice: Container has no member \"imagePullPolice\"" &&
	printf "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {}\n" >missing.yaml &&
	! validate missing.yaml >out &&
	contains out "must have required property"
'

test_expect_success 'the smoothver command lines of the manifests are ones smoothver accepts' '
	python3 - "$SMOOTHVER" "$K8S/tally.yaml" "$K8S/tally-shared-volume.yaml" <<-EOF
	import subprocess, sys, yaml
	smoothver, n = sys.argv[1], 0
	for f in sys.argv[2:]:
	    for doc in yaml.safe_load_all(open(f)):
	        if not doc or doc.get("kind") != "Deployment":
	            continue
	        spec = doc["spec"]["template"]["spec"]
	        for c in spec.get("initContainers", []) + spec["containers"]:
	            if "smoothver" not in c["image"]:
	                continue
	            args = [a.replace("\$(SMOOTHVER_STORE)", "nostore").replace("/srv/tally", "noroot") for a in c["args"]]
	            r = subprocess.run([smoothver] + args, capture_output=True, text=True)
	            # the options parse: what stops it is the missing store or root (3), not usage (2)
	            assert r.returncode == 3, (f, c["name"], args, r.returncode, r.stderr)
	            assert "smoothver: error: " in r.stderr, r.stderr
	            n += 1
	assert n == 4, n
	EOF
'

test_expect_success 'evict-this-pod is a POSIX shell script that needs its pod named' '
	sh -n "$K8S/evict-this-pod" &&
	! env -u POD_NAME sh "$K8S/evict-this-pod" 2>err &&
	contains err "POD_NAME"
'

test_done
