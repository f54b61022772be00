#!/usr/bin/env node
// k8s-validate.js FILE... - validate Kubernetes manifests (YAML, several
// documents a file) against the Kubernetes API schemas, with the npm
// package kubernetes-models (its validators are generated from the
// Kubernetes OpenAPI schemas: types, required members, enums, formats).
// It adds one check of its own: a member the schema of its object does
// not list (a typo such as "initContainer") is an error, as it is for
// `kubectl apply --validate=strict`.
//
// The modules are looked up on NODE_PATH (ci/lib.sh's ensure_k8s_validator
// installs them and says where). Prints "FILE: N documents valid" per
// file, or each problem as "FILE: document N (KIND NAME): PATH: MESSAGE";
// exit status 1 when any is found, 2 when it cannot run.
"use strict";

const fs = require("fs");
let YAML, models;
try {
	YAML = require("yaml");
	models = {
		v1: require("kubernetes-models/v1"),
		"apps/v1": require("kubernetes-models/apps/v1"),
		"batch/v1": require("kubernetes-models/batch/v1"),
		"policy/v1": require("kubernetes-models/policy/v1"),
		"rbac.authorization.k8s.io/v1": require("kubernetes-models/rbac.authorization.k8s.io/v1"),
		"networking.k8s.io/v1": require("kubernetes-models/networking.k8s.io/v1"),
	};
} catch (e) {
	console.error("k8s-validate: cannot load kubernetes-models and yaml (NODE_PATH=" +
		(process.env.NODE_PATH || "") + "): " + e.message);
	process.exit(2);
}

// The members each kind of object may have, for the strict check: read
// off the TypeScript declarations kubernetes-models ships beside each
// validator (interface I<Name> { member?: Type; ... }, exported under a
// unique alias IIoK8s... that the other declarations import).
const path = require("path");
const root = path.dirname(require.resolve("kubernetes-models/package.json"));
const aliases = new Map(); // IIoK8s... (unique) -> Map(member -> type text)
const byFile = new Map();  // .d.ts path -> Map(interface -> members)

function readDecls(dir) {
	for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, ent.name);
		if (ent.isDirectory() && ent.name !== "node_modules") {
			readDecls(p);
		} else if (ent.name.endsWith(".d.ts")) {
			const text = fs.readFileSync(p, "utf8");
			const local = new Map();
			const re = /export interface (I[A-Za-z0-9]+)(?: extends ([A-Za-z]+))? \{([\s\S]*?)\n\}/g;
			let m;
			while ((m = re.exec(text)) !== null) {
				const members = new Map();
				const mre = /^ {4}"?([A-Za-z0-9_$-]+)"?\??: ([^;]+);/gm;
				let mm;
				while ((mm = mre.exec(m[3])) !== null)
					members.set(mm[1], mm[2]);
				if (m[2] === "TypeMeta") {
					members.set("apiVersion", "string");
					members.set("kind", "string");
				}
				local.set(m[1], members);
			}
			byFile.set(p, local);
			const ere = /export \{ (I[A-Za-z0-9]+) as (I[A-Za-z0-9]+)/g;
			while ((m = ere.exec(text)) !== null)
				if (local.has(m[1]))
					aliases.set(m[2], local.get(m[1]));
		}
	}
}
readDecls(root);
readDecls(path.dirname(require.resolve("@kubernetes-models/apimachinery/package.json")));

// The members of the top-level object: I<Kind> of <apiVersion>/<Kind>.d.ts.
function topMembers(apiVersion, kind) {
	const f = byFile.get(path.join(root, apiVersion, kind + ".d.ts"));
	return f ? f.get("I" + kind) : undefined;
}

// The interface a type text names ("IContainer", "Array<IVolume>",
// "{ [key: string]: IQuantity }"), or null for scalars and maps of them.
function typeOf(text) {
	let t = text.trim();
	let array = false, map = false;
	let m;
	if ((m = /^Array<(.+)>$/.exec(t))) { array = true; t = m[1]; }
	if ((m = /^\{\s*\[key: string\]: (.+?)\s*\}$/.exec(t))) { map = true; t = m[1]; }
	if ((m = /^Array<(.+)>$/.exec(t))) { array = true; t = m[1]; }
	m = /(?:^|\.)(I[A-Z][A-Za-z0-9]+)$/.exec(t);
	return { iface: m ? m[1] : null, array, map };
}

function strict(obj, members, name, where, problems) {
	if (!members || obj === null || typeof obj !== "object" || Array.isArray(obj))
		return;
	for (const [k, v] of Object.entries(obj)) {
		if (!members.has(k)) {
			problems.push(where + "/" + k + ": " + name +
				" has no member \"" + k + "\"");
			continue;
		}
		const t = typeOf(members.get(k));
		const sub = t.iface && aliases.get(t.iface);
		if (!sub)
			continue;
		const sn = t.iface.replace(/^IIoK8s(Api|ApimachineryPkgApis)[A-Z][a-z]*V[0-9]+(?:[a-z]+[0-9]*)?/, "");
		if (t.array && Array.isArray(v))
			v.forEach((x, i) => strict(x, sub, sn, where + "/" + k + "/" + i, problems));
		else if (t.map && v && typeof v === "object")
			for (const [kk, x] of Object.entries(v))
				strict(x, sub, sn, where + "/" + k + "/" + kk, problems);
		else
			strict(v, sub, sn, where + "/" + k, problems);
	}
}

let bad = 0;
const files = process.argv.slice(2);
if (files.length === 0) {
	console.error("usage: k8s-validate.js FILE...");
	process.exit(2);
}
for (const file of files) {
	let docs;
	try {
		docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
	} catch (e) {
		console.log(file + ": " + e.message);
		bad++;
		continue;
	}
	let n = 0, fileBad = 0;
	docs.forEach((doc, i) => {
		const where = file + ": document " + (i + 1);
		if (doc.errors.length) {
			doc.errors.forEach((e) => console.log(where + ": " + e.message));
			fileBad++;
			return;
		}
		const obj = doc.toJS();
		if (obj === null)
			return;
		n++;
		const group = models[obj.apiVersion];
		const Model = group && group[obj.kind];
		const what = where + " (" + obj.kind + " " +
			((obj.metadata && obj.metadata.name) || "?") + ")";
		if (!Model) {
			console.log(what + ": unknown apiVersion/kind " + obj.apiVersion + "/" + obj.kind);
			fileBad++;
			return;
		}
		const problems = [];
		try {
			new Model(obj).validate();
		} catch (e) {
			(e.errors || [{ instancePath: "", message: e.message }]).forEach((x) =>
				problems.push((x.instancePath || "/") + ": " + x.message +
					(x.params && x.params.allowedValues ? " " + JSON.stringify(x.params.allowedValues) : "")));
		}
		const top = topMembers(obj.apiVersion, obj.kind);
		if (top)
			strict(obj, top, obj.kind, "", problems);
		else
			problems.push("/: no declaration of " + obj.kind + " for the strict check");
		problems.forEach((p) => console.log(what + ": " + p));
		if (problems.length)
			fileBad++;
	});
	if (fileBad === 0)
		console.log(file + ": " + n + " documents valid");
	bad += fileBad;
}
process.exit(bad ? 1 : 0);
