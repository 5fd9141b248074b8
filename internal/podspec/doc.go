// Package podspec holds the pod template of an object (Template; the
// workload model in internal/workload finds it for each kind), tells which
// port of a container serves traffic, and names each field in both the
// Kubernetes field-path notation people read and the JSON pointer notation
// patches use.
package podspec
