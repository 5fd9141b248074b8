// Package manifest reads Kubernetes manifests for `ballast check`: files,
// directories and standard input holding multi-document YAML or JSON, as
// written by hand or rendered by `helm template` and `kustomize build`.
//
// Every object becomes a Document that says where it starts (file:line), and
// every document that cannot be read becomes an Error with the same kind of
// location; one bad document never hides the others. Lists (kind List and
// the *List kinds) are expanded to their items. The kinds Ballast evaluates
// are decoded into their typed Go objects; other kinds are kept, untyped, so
// that output can count them.
//
// Input is read one document at a time, within Limits on the size of a file
// and of a document, and input that is not text is reported unparsed, so
// that /dev/zero, an endless pipe or a binary file ends with an Error rather
// than a hang or an exhausted memory. Directories are walked for regular
// files only, skipping the files and directories Options.Exclude matches;
// in a walk, documents that are no Kubernetes object at all (a values file,
// a CI configuration) become Notes rather than Errors.
package manifest
