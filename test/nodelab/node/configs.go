package node

// configs are the templates of the configuration files, by path under
// Config.Dir.
var configs = map[string]string{
	// restrict_oom_score_adj clamps the kubelet's negative OOM scores to
	// containerd's own: without CAP_SYS_RESOURCE runc cannot set them and
	// every sandbox fails ("can't get final child's PID from pipe").
	"containerd.toml": `version = 2
root = "{{.Dir}}/containerd/root"
state = "{{.Dir}}/containerd/state"
[grpc]
  address = "{{.Socket}}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{{.SandboxImage}}"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "{{.Dir}}/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = false
`,
	"cni/net.d/10-bridge.conflist": `{"cniVersion": "1.0.0", "name": "nodelab", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "{{.PodSubnet}}"}]], "routes": [{"dst": "0.0.0.0/0"}],
            "dataDir": "{{.Dir}}/cni/ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}},
  {"type": "loopback"}]}
`,
	// The kubelet's serving certificate is self-signed (in --cert-dir): the
	// API server never calls it here. Image GC is off: the images are
	// imported, nothing could pull them again.
	"kubelet.yaml": `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://{{.Socket}}
clusterDomain: cluster.local
podLogsDir: {{.Dir}}/pod-logs
resolvConf: /etc/resolv.conf
evictionHard: {memory.available: "100Mi"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
`,
	// Conntrack timeouts of 0 leave the host's conntrack sysctls alone.
	"kube-proxy.yaml": `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: {{.Kubeconfig}}}
mode: iptables
clusterCIDR: {{.ClusterCIDR}}
hostnameOverride: {{.Name}}
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
`,
}
