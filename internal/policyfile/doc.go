// Package policyfile serves the BallastPolicy from a file and reloads it
// when the file changes, keeping the last good policy when a change does
// not load.
//
// A [Watcher] loads the file once when it is created, so a process started
// with a broken policy fails at once with every problem listed. Its Start
// method then watches the file: the file's directory through fsnotify, and
// a poll of the file every few seconds as a fallback for file systems and
// mounts that send no events. A change is applied only when the content
// differs from what was last read.
//
// The file is usually a ConfigMap key mounted as a volume. The kubelet
// updates such a mount by writing the new content into a fresh timestamped
// directory and then atomically renaming a "..data" symlink to point at it;
// the file itself is a symlink through "..data". The rename is an event in
// the directory, never in the file, which is why the directory is watched.
// (A subPath mount is never updated by the kubelet at all: mount the whole
// ConfigMap instead.)
//
// When the new content fails to load, the Watcher keeps serving the last
// good policy, logs the error with every problem at error level, and records
// the failure in Ballast's metrics (ballast_policy_reload_total{result=
// "failure"}, ballast_policy_last_reload_success 0). It does not fail
// readiness: every replica reads the same ConfigMap, so a readiness failure
// would take every replica out of the webhook Service at once, which either
// turns Ballast off cluster-wide (failurePolicy Ignore) or blocks every
// deploy (Fail), while the last good policy is perfectly able to serve.
package policyfile
