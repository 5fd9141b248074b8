package workload

import (
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/podspec"
)

// The kinds Ballast judges, by name.
const (
	KindPod         = "Pod"
	KindDeployment  = "Deployment"
	KindStatefulSet = "StatefulSet"
	KindDaemonSet   = "DaemonSet"
	KindHPA         = "HorizontalPodAutoscaler"
	KindPDB         = "PodDisruptionBudget"
	// KindReplicaSet is the kind of the controller that creates a
	// Deployment's Pods; Ballast does not judge ReplicaSets.
	KindReplicaSet = "ReplicaSet"
	// KindReplicationController is the core/v1 predecessor of ReplicaSets.
	KindReplicationController = "ReplicationController"
	// KindService is a neighbour Ballast reads and does not judge: its
	// ports say which container ports receive traffic.
	KindService = "Service"
)

// Neighbours says which objects of its namespace the rules for a kind read.
type Neighbours uint8

// The neighbours a kind may need.
const (
	// NeedPDBs: the PodDisruptionBudgets.
	NeedPDBs Neighbours = 1 << iota
	// NeedHPAs: the HorizontalPodAutoscalers.
	NeedHPAs
	// NeedWorkloads: the Deployments, StatefulSets and DaemonSets.
	NeedWorkloads
	// NeedServices: the Services, which say which ports receive traffic.
	NeedServices
)

// Has reports whether n includes every neighbour of m.
func (n Neighbours) Has(m Neighbours) bool { return n&m == m }

// Kinds returns the kinds of the objects n names: PodDisruptionBudget,
// HorizontalPodAutoscaler, Service, then the workload kinds.
// The slice is shared; callers must not modify it.
func (n Neighbours) Kinds() []*Kind { return neighbourKinds[n&AllNeighbours] }

// AllNeighbours is every Neighbours bit.
const AllNeighbours = NeedPDBs | NeedHPAs | NeedWorkloads | NeedServices

// neighbourKinds holds Neighbours.Kinds for each combination of bits.
var neighbourKinds [AllNeighbours + 1][]*Kind

// isNeighbour reports whether n names objects of kind k.
func (n Neighbours) isNeighbour(k *Kind) bool {
	return k.Name == KindPDB && n.Has(NeedPDBs) ||
		k.Name == KindHPA && n.Has(NeedHPAs) ||
		k.Name == KindService && n.Has(NeedServices) ||
		k.IsWorkload() && !k.NotANeighbour && n.Has(NeedWorkloads)
}

// Kind is one kind of object Ballast judges.
type Kind struct {
	// Name is the kind, e.g. "Deployment".
	Name string
	// GVK is the group, version and kind Ballast reads it in.
	GVK schema.GroupVersionKind
	// Resource is the plural resource name, e.g. "deployments".
	Resource string
	// NewObject returns an empty object of the kind.
	NewObject func() client.Object
	// NewList returns an empty list of objects of the kind.
	NewList func() client.ObjectList
	// Neighbours are the neighbours the rules for the kind read.
	Neighbours Neighbours
	// PodOwner is the kind of the controller that creates the kind's Pods:
	// ReplicaSet for a Deployment, the kind itself for a StatefulSet or a
	// DaemonSet, "" for kinds without a pod template.
	PodOwner string
	// KeepsPDB reports whether Ballast keeps a PodDisruptionBudget for
	// workloads of the kind: those that run interchangeable replicas. A
	// DaemonSet runs one pod per node, which a drain evicts anyway.
	KeepsPDB bool
	// JudgedUnlessControlledBy names the kind of controller whose own
	// judgement covers an object of this kind: a ReplicaSet that a
	// Deployment controls is judged as the Deployment, not on its own.
	JudgedUnlessControlledBy string
	// NotANeighbour keeps a workload kind out of the neighbours other kinds
	// read: ReplicaSets are as numerous as rollouts, and the webhook's cache
	// does not hold them.
	NotANeighbour bool

	// template returns the pod template of an object of the kind; nil for
	// kinds without one.
	template func(runtime.Object) podspec.Template
	// replicas returns spec.replicas, and setReplicas sets it; nil for
	// kinds without replicas.
	replicas    func(runtime.Object) *int32
	setReplicas func(runtime.Object, *int32)
	// selector returns the pod selector; nil for kinds without one.
	selector func(runtime.Object) *metav1.LabelSelector
}

// IsWorkload reports whether the kind runs pods from a pod template:
// Deployment, StatefulSet and DaemonSet.
func (k *Kind) IsWorkload() bool { return k.selector != nil }

// HasReplicas reports whether the kind's objects have spec.replicas.
func (k *Kind) HasReplicas() bool { return k.replicas != nil }

// HasTemplate reports whether the kind's objects have a pod template.
func (k *Kind) HasTemplate() bool { return k.template != nil }

// SetReplicas sets spec.replicas of obj, an object of the kind; it does
// nothing for kinds without replicas.
func (k *Kind) SetReplicas(obj runtime.Object, n *int32) {
	if k.setReplicas != nil {
		k.setReplicas(obj, n)
	}
}

// Template returns the pod template of obj, an object of the kind, with
// pointers into obj; false for kinds without one, and for an object that
// lacks it.
func (k *Kind) Template(obj runtime.Object) (podspec.Template, bool) {
	if k.template == nil {
		return podspec.Template{}, false
	}
	t := k.template(obj)
	return t, t.Spec != nil
}

// templatePaths are the paths of a workload's pod template.
var (
	templateMetaPath = podspec.NewPath("spec", "template", "metadata")
	templateSpecPath = podspec.NewPath("spec", "template", "spec")
)

// inTemplate returns the pod template t of a workload.
func inTemplate(t *corev1.PodTemplateSpec) podspec.Template {
	return podspec.Template{Meta: &t.ObjectMeta, Spec: &t.Spec, MetaPath: templateMetaPath, SpecPath: templateSpecPath}
}

// kinds is the one table of the kinds Ballast judges, in the order reports
// list them.
var kinds = []*Kind{
	{
		Name: KindPod, GVK: corev1.SchemeGroupVersion.WithKind(KindPod), Resource: "pods",
		NewObject:  func() client.Object { return &corev1.Pod{} },
		NewList:    func() client.ObjectList { return &corev1.PodList{} },
		Neighbours: NeedServices,
		template: func(o runtime.Object) podspec.Template {
			p := o.(*corev1.Pod)
			return podspec.Template{Meta: &p.ObjectMeta, Spec: &p.Spec, MetaPath: podspec.NewPath("metadata"), SpecPath: podspec.NewPath("spec")}
		},
	},
	{
		Name: KindDeployment, GVK: appsv1.SchemeGroupVersion.WithKind(KindDeployment), Resource: "deployments",
		NewObject:   func() client.Object { return &appsv1.Deployment{} },
		NewList:     func() client.ObjectList { return &appsv1.DeploymentList{} },
		Neighbours:  NeedPDBs | NeedHPAs | NeedServices | NeedWorkloads,
		PodOwner:    KindReplicaSet,
		KeepsPDB:    true,
		template:    func(o runtime.Object) podspec.Template { return inTemplate(&o.(*appsv1.Deployment).Spec.Template) },
		replicas:    func(o runtime.Object) *int32 { return o.(*appsv1.Deployment).Spec.Replicas },
		setReplicas: func(o runtime.Object, n *int32) { o.(*appsv1.Deployment).Spec.Replicas = n },
		selector:    func(o runtime.Object) *metav1.LabelSelector { return o.(*appsv1.Deployment).Spec.Selector },
	},
	{
		Name: KindStatefulSet, GVK: appsv1.SchemeGroupVersion.WithKind(KindStatefulSet), Resource: "statefulsets",
		NewObject:   func() client.Object { return &appsv1.StatefulSet{} },
		NewList:     func() client.ObjectList { return &appsv1.StatefulSetList{} },
		Neighbours:  NeedPDBs | NeedHPAs | NeedServices | NeedWorkloads,
		PodOwner:    KindStatefulSet,
		KeepsPDB:    true,
		template:    func(o runtime.Object) podspec.Template { return inTemplate(&o.(*appsv1.StatefulSet).Spec.Template) },
		replicas:    func(o runtime.Object) *int32 { return o.(*appsv1.StatefulSet).Spec.Replicas },
		setReplicas: func(o runtime.Object, n *int32) { o.(*appsv1.StatefulSet).Spec.Replicas = n },
		selector:    func(o runtime.Object) *metav1.LabelSelector { return o.(*appsv1.StatefulSet).Spec.Selector },
	},
	{
		Name: KindDaemonSet, GVK: appsv1.SchemeGroupVersion.WithKind(KindDaemonSet), Resource: "daemonsets",
		NewObject: func() client.Object { return &appsv1.DaemonSet{} },
		NewList:   func() client.ObjectList { return &appsv1.DaemonSetList{} },
		// The PDB rules do not judge DaemonSets, whose pod count is their
		// node count, so the other workloads, which the PDB rules count
		// beside a workload, are not read for them.
		Neighbours: NeedPDBs | NeedHPAs | NeedServices,
		PodOwner:   KindDaemonSet,
		template:   func(o runtime.Object) podspec.Template { return inTemplate(&o.(*appsv1.DaemonSet).Spec.Template) },
		selector:   func(o runtime.Object) *metav1.LabelSelector { return o.(*appsv1.DaemonSet).Spec.Selector },
	},
	// ReplicaSets and ReplicationControllers created directly run pods as
	// a Deployment does, so they are judged as workloads; a ReplicaSet a
	// Deployment controls is judged as the Deployment.
	{
		Name: KindReplicaSet, GVK: appsv1.SchemeGroupVersion.WithKind(KindReplicaSet), Resource: "replicasets",
		NewObject:                func() client.Object { return &appsv1.ReplicaSet{} },
		NewList:                  func() client.ObjectList { return &appsv1.ReplicaSetList{} },
		Neighbours:               NeedPDBs | NeedHPAs | NeedServices | NeedWorkloads,
		PodOwner:                 KindReplicaSet,
		JudgedUnlessControlledBy: KindDeployment,
		NotANeighbour:            true,
		template:                 func(o runtime.Object) podspec.Template { return inTemplate(&o.(*appsv1.ReplicaSet).Spec.Template) },
		replicas:                 func(o runtime.Object) *int32 { return o.(*appsv1.ReplicaSet).Spec.Replicas },
		setReplicas:              func(o runtime.Object, n *int32) { o.(*appsv1.ReplicaSet).Spec.Replicas = n },
		selector:                 func(o runtime.Object) *metav1.LabelSelector { return o.(*appsv1.ReplicaSet).Spec.Selector },
	},
	{
		Name: KindReplicationController, GVK: corev1.SchemeGroupVersion.WithKind(KindReplicationController), Resource: "replicationcontrollers",
		NewObject:     func() client.Object { return &corev1.ReplicationController{} },
		NewList:       func() client.ObjectList { return &corev1.ReplicationControllerList{} },
		Neighbours:    NeedPDBs | NeedHPAs | NeedServices | NeedWorkloads,
		PodOwner:      KindReplicationController,
		NotANeighbour: true,
		template: func(o runtime.Object) podspec.Template {
			if rc := o.(*corev1.ReplicationController); rc.Spec.Template != nil {
				return inTemplate(rc.Spec.Template)
			}
			return podspec.Template{} // an invalid object: the API server requires one
		},
		replicas:    func(o runtime.Object) *int32 { return o.(*corev1.ReplicationController).Spec.Replicas },
		setReplicas: func(o runtime.Object, n *int32) { o.(*corev1.ReplicationController).Spec.Replicas = n },
		selector: func(o runtime.Object) *metav1.LabelSelector {
			return &metav1.LabelSelector{MatchLabels: o.(*corev1.ReplicationController).Spec.Selector}
		},
	},
	{
		Name: KindHPA, GVK: autoscalingv2.SchemeGroupVersion.WithKind(KindHPA), Resource: "horizontalpodautoscalers",
		NewObject: func() client.Object { return &autoscalingv2.HorizontalPodAutoscaler{} },
		NewList:   func() client.ObjectList { return &autoscalingv2.HorizontalPodAutoscalerList{} },
	},
	{
		Name: KindPDB, GVK: policyv1.SchemeGroupVersion.WithKind(KindPDB), Resource: "poddisruptionbudgets",
		NewObject:  func() client.Object { return &policyv1.PodDisruptionBudget{} },
		NewList:    func() client.ObjectList { return &policyv1.PodDisruptionBudgetList{} },
		Neighbours: NeedWorkloads | NeedHPAs,
	},
}

// serviceKind is the kind of the Services read as neighbours. It is not in
// kinds: Ballast does not judge Services, so KindOf does not know it.
var serviceKind = &Kind{
	Name: KindService, GVK: corev1.SchemeGroupVersion.WithKind(KindService), Resource: "services",
	NewObject: func() client.Object { return &corev1.Service{} },
	NewList:   func() client.ObjectList { return &corev1.ServiceList{} },
}

// byType and byName index kinds.
var (
	byType = map[reflect.Type]*Kind{}
	byName = map[string]*Kind{}
)

func init() {
	for _, k := range kinds {
		byType[reflect.TypeOf(k.NewObject())] = k
		byName[k.Name] = k
	}
	// Neighbours are listed budgets first, then autoscalers, Services, and
	// workloads.
	order := []*Kind{byName[KindPDB], byName[KindHPA], serviceKind, byName[KindDeployment], byName[KindStatefulSet], byName[KindDaemonSet]}
	for n := range neighbourKinds {
		for _, k := range order {
			if Neighbours(n).isNeighbour(k) {
				neighbourKinds[n] = append(neighbourKinds[n], k)
			}
		}
	}
}

// Kinds returns every kind Ballast judges: Pod, Deployment, StatefulSet,
// DaemonSet, ReplicaSet, ReplicationController, HorizontalPodAutoscaler
// and PodDisruptionBudget, in that order.
// The kinds are shared; callers must not modify them.
func Kinds() []*Kind { return kinds }

// Workloads returns the kinds that run pods from a pod template:
// Deployment, StatefulSet, DaemonSet, ReplicaSet and ReplicationController.
func Workloads() []*Kind { return kinds[1:6] }

// KindOf returns the kind of obj, a typed object (*appsv1.Deployment, ...),
// and false for any other object.
func KindOf(obj runtime.Object) (*Kind, bool) {
	if obj == nil {
		return nil, false
	}
	k, ok := byType[reflect.TypeOf(obj)]
	return k, ok
}

// Named returns the kind called name, e.g. "Deployment".
func Named(name string) (*Kind, bool) {
	k, ok := byName[name]
	return k, ok
}

// TemplateOf returns the pod template of obj, with pointers into obj, and
// false for objects without one.
func TemplateOf(obj runtime.Object) (podspec.Template, bool) {
	k, ok := KindOf(obj)
	if !ok {
		return podspec.Template{}, false
	}
	return k.Template(obj)
}
