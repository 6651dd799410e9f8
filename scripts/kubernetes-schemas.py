#!/usr/bin/env python3
"""Writes the JSON schemas that KubernetesManifestsTest validates packaging/kubernetes/ against
(caucus-kv/src/test/resources/kubernetes-schemas/).

Source: schema/validation-schema.json in io.fabric8:kubernetes-model-{core,apps,policy}:6.13.4 (Maven Central,
Apache 2.0; the last release that ships them), generated from the Kubernetes API types. For each kind this keeps
the definitions it reaches and changes three things, so that the schema says what the API server accepts:
  - strict: an object that lists its properties refuses any other (a misspelt field is an error, as kubectl's
    server-side field validation reports), as kubeconform -strict does;
  - IntOrString is an integer or a string, and Quantity a string or a number (fabric8 models both as Java
    objects);
  - fabric8's Java-generation keywords (javaType, existingJavaType, ...) are dropped, and its draft-3 style
    "required": true on apiVersion and kind becomes an "enum" of their value, required at the root.
Usage: scripts/kubernetes-schemas.py CORE_JAR APPS_JAR POLICY_JAR OUT_DIR   (the jars from ./mvnw dependency:copy)
"""
import json
import sys
import zipfile

KINDS = {  # output file: (jar index, root definition)
    "service-v1.json": (0, "kubernetes_core_Service"),
    "configmap-v1.json": (0, "kubernetes_core_ConfigMap"),
    "statefulset-apps-v1.json": (1, "kubernetes_apps_StatefulSet"),
    "poddisruptionbudget-policy-v1.json": (2, "kubernetes_policy_v1_PodDisruptionBudget"),
}
INT_OR_STRING = {"type": ["integer", "string"]}
QUANTITY = {"type": ["string", "number"]}


def clean(node):
    if isinstance(node, dict):
        out = {k: clean(v) for k, v in node.items() if not k.startswith("java") and k != "existingJavaType"}
        if "properties" in out and out.get("type") == "object":
            out["additionalProperties"] = False
            # fabric8 marks apiVersion and kind "required": true with their value as "default" (draft 3 style):
            # their value is checked wherever they appear, and required at the root only (extract), since an
            # embedded object (a StatefulSet's volumeClaimTemplates) may leave them out.
            for prop in out["properties"].values():
                if prop.pop("required", False) is True and "default" in prop:
                    prop["enum"] = [prop.pop("default")]
        return out
    if isinstance(node, list):
        return [clean(v) for v in node]
    return node


def refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/definitions/"):
            found.add(ref[len("#/definitions/"):])
        for v in node.values():
            refs(v, found)
    elif isinstance(node, list):
        for v in node:
            refs(v, found)


def extract(definitions, root):
    keep, todo = {}, [root]
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        if name.endswith("IntOrString"):
            keep[name] = INT_OR_STRING
            continue
        if name.endswith("_Quantity"):
            keep[name] = QUANTITY
            continue
        keep[name] = clean(definitions[name])
        found = set()
        refs(definitions[name], found)
        todo.extend(sorted(found))
    keep[root]["required"] = ["apiVersion", "kind"]
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "$ref": "#/definitions/" + root,
              "definitions": dict(sorted(keep.items()))}
    return schema


def main(jars, out_dir):
    sources = []
    for jar in jars:
        with zipfile.ZipFile(jar) as archive:
            sources.append(json.loads(archive.read("schema/validation-schema.json"))["definitions"])
    for file, (index, root) in KINDS.items():
        with open(f"{out_dir}/{file}", "w") as out:
            json.dump(extract(sources[index], root), out, indent=1, sort_keys=False)
            out.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:4], sys.argv[4])
