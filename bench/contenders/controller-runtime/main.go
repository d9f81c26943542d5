// A controller-runtime reference controller for the kopf-ts benchmarks: what a Go user would write
// instead. It reconciles benchobjects.bench.kopf.dev (unstructured, no codegen) and, when
// status.created is missing, merge-patches the status subresource with the same small result the
// Kopf and kopf-ts handlers return ({"created": {"message": "ok"}}).
//
// Flags: --concurrency (MaxConcurrentReconciles). Counts reconciles that wrote a status, printed on
// SIGUSR1 and at exit as `handled=<n>` on stderr, so the runner can verify restarts handled nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/go-logr/logr"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

var gvk = schema.GroupVersionKind{Group: "bench.kopf.dev", Version: "v1", Kind: "BenchObject"}

var handled atomic.Int64

type reconciler struct {
	client client.Client
}

func (r *reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gvk)
	if err := r.client.Get(ctx, req.NamespacedName, obj); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if _, found, _ := unstructured.NestedMap(obj.Object, "status", "created"); found {
		return reconcile.Result{}, nil
	}
	if obj.GetDeletionTimestamp() != nil {
		return reconcile.Result{}, nil
	}
	patch := []byte(`{"status":{"created":{"message":"ok"}}}`)
	if err := r.client.Status().Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	handled.Add(1)
	return reconcile.Result{}, nil
}

func main() {
	concurrency := flag.Int("concurrency", 100, "MaxConcurrentReconciles")
	verbose := flag.Bool("verbose", false, "log at info level")
	flag.Parse()
	if *verbose {
		log.SetLogger(zap.New())
	} else {
		log.SetLogger(logr.Discard())
	}

	cfg := ctrl.GetConfigOrDie()
	fmt.Fprintf(os.Stderr, "controller-runtime: qps=%v burst=%v concurrency=%d\n", cfg.QPS, cfg.Burst, *concurrency)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		LeaderElection:         false,
		// Read unstructured objects from the informer cache, as typed objects are by default: a Go user
		// with generated types gets cached reads, not one live GET per reconcile.
		Client: client.Options{Cache: &client.CacheOptions{Unstructured: true}},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		os.Exit(1)
	}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gvk)
	err = ctrl.NewControllerManagedBy(mgr).
		For(obj).
		Named("benchobject").
		WithOptions(controller.Options{MaxConcurrentReconciles: *concurrency}).
		Complete(&reconciler{client: mgr.GetClient()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "controller:", err)
		os.Exit(1)
	}

	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		for range usr1 {
			fmt.Fprintf(os.Stderr, "handled=%d\n", handled.Load())
		}
	}()
	ctx := ctrl.SetupSignalHandler()
	fmt.Fprintln(os.Stderr, "controller-runtime: starting")
	if err := mgr.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "start:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "handled=%d\n", handled.Load())
}
