// Package podspec finds the pod template inside the workload kinds Ballast
// handles, tells which port of a container serves traffic, and names each
// field in both the Kubernetes field-path notation people read and the
// JSON pointer notation patches use.
package podspec
