// Command kube-cluster runs a real, unmodified upstream Kubernetes control plane on loopback for tests:
// etcd embedded in this process, kube-apiserver (RBAC enforced) and, optionally, the parts of
// kube-controller-manager that tests need (garbage collector, namespace deletion, service accounts).
//
// The apiserver and controller-manager run as child processes of this same binary (`kube-cluster
// apiserver ...`, `kube-cluster controller-manager ...`), because both keep process-wide state (flags,
// metric registries) that cannot be shared by two components in one process. Running them as
// children also lets a test restart the apiserver alone (SIGUSR1) while etcd keeps the data.
//
// Once /readyz answers, one JSON line is printed on stdout; then the process waits for SIGTERM,
// SIGINT, or the closing of its stdin (the parent test runner has gone away).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/component-base/cli"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "apiserver":
			cmd := apiserver.NewAPIServerCommand()
			cmd.SetArgs(os.Args[2:])
			os.Exit(cli.Run(cmd))
		case "controller-manager":
			cmd := controllermanager.NewControllerManagerCommand()
			cmd.SetArgs(os.Args[2:])
			os.Exit(cli.Run(cmd))
		}
	}
	if err := supervise(); err != nil {
		fmt.Fprintln(os.Stderr, "kube-cluster:", err)
		os.Exit(1)
	}
}

type ready struct {
	URL             string `json:"url"`
	CA              string `json:"ca"`
	Kubeconfig      string `json:"kubeconfig"`
	ClientCert      string `json:"clientCert"`
	ClientKey       string `json:"clientKey"`
	Dir             string `json:"dir"`
	Etcd            string `json:"etcd"`
	Pid             int    `json:"pid"`
	ApiserverPid    int    `json:"apiserverPid"`
	Controllers     bool   `json:"controllers"`
	StartupMillis   int64  `json:"startupMillis"`
	KubernetesBuild string `json:"kubernetesVersion"`
}

func supervise() error {
	began := time.Now()
	dir := flag.String("dir", "", "run directory (PKI, etcd data, logs); a temporary one when empty")
	port := flag.Int("port", 0, "apiserver secure port; a free one when 0")
	controllers := flag.Bool("controllers", true, "also run kube-controller-manager's garbagecollector, namespace and serviceaccount controllers")
	watchStdin := flag.Bool("exit-on-stdin-close", false, "shut down when stdin reaches EOF (the parent went away)")
	flag.Parse()

	if *dir == "" {
		d, err := os.MkdirTemp("", "kube-cluster-")
		if err != nil {
			return err
		}
		*dir = d
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	if *port == 0 {
		p, err := freePort()
		if err != nil {
			return err
		}
		*port = p
	}
	serverURL := fmt.Sprintf("https://127.0.0.1:%d", *port)

	pki, err := writePKI(filepath.Join(*dir, "pki"))
	if err != nil {
		return fmt.Errorf("generating PKI: %w", err)
	}
	kubeconfig := filepath.Join(*dir, "admin.kubeconfig")
	if err := writeKubeconfig(kubeconfig, serverURL, pki); err != nil {
		return err
	}

	logs := filepath.Join(*dir, "logs")
	if err := os.MkdirAll(logs, 0o700); err != nil {
		return err
	}
	etcd, etcdURL, err := startEtcd(filepath.Join(*dir, "etcd"), filepath.Join(logs, "etcd.log"))
	if err != nil {
		return fmt.Errorf("starting etcd: %w", err)
	}
	defer etcd.Close()

	self, err := os.Executable()
	if err != nil {
		return err
	}
	apiserverArgs := []string{
		"apiserver",
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(*port),
		"--cert-dir=" + filepath.Join(*dir, "apiserver-certs"),
		"--tls-cert-file=" + pki.ServingCert,
		"--tls-private-key-file=" + pki.ServingKey,
		"--client-ca-file=" + pki.ClientCACert,
		"--authorization-mode=RBAC",
		"--service-account-issuer=" + serverURL,
		"--service-account-key-file=" + pki.SAPublic,
		"--service-account-signing-key-file=" + pki.SAPrivate,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		"--disable-admission-plugins=ServiceAccount",
		"--endpoint-reconciler-type=none",
		// The test suite is the only client: a low event TTL keeps etcd small across long runs.
		"--event-ttl=10m",
		"--enable-priority-and-fairness=false",
	}
	api := &child{name: "apiserver", path: self, args: apiserverArgs, log: filepath.Join(logs, "apiserver.log")}
	if err := api.start(); err != nil {
		return err
	}
	defer api.stop()

	client, err := adminClient(pki)
	if err != nil {
		return err
	}
	if err := waitReady(client, serverURL, 3*time.Minute, api); err != nil {
		return fmt.Errorf("apiserver never became ready (log: %s): %w", api.log, err)
	}

	var cm *child
	if *controllers {
		cm = &child{name: "controller-manager", path: self, log: filepath.Join(logs, "controller-manager.log"), args: []string{
			"controller-manager",
			"--kubeconfig=" + kubeconfig,
			"--controllers=garbagecollector,namespace,serviceaccount",
			"--leader-elect=false",
			"--secure-port=0",
			"--use-service-account-credentials=false",
			"--service-account-private-key-file=" + pki.SAPrivate,
			"--root-ca-file=" + pki.ServingCACert,
			"--concurrent-gc-syncs=5",
			"--concurrent-namespace-syncs=5",
		}}
		if err := cm.start(); err != nil {
			return err
		}
		defer cm.stop()
	}

	out, _ := json.Marshal(ready{
		URL: serverURL, CA: pki.ServingCACert, Kubeconfig: kubeconfig,
		ClientCert: pki.AdminCert, ClientKey: pki.AdminKey, Dir: *dir, Etcd: etcdURL,
		Pid: os.Getpid(), ApiserverPid: api.pid(), Controllers: *controllers,
		StartupMillis: time.Since(began).Milliseconds(), KubernetesBuild: kubernetesVersion,
	})
	fmt.Println(string(out))

	stop := make(chan os.Signal, 2)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	restart := make(chan os.Signal, 1)
	signal.Notify(restart, syscall.SIGUSR1)
	stdinClosed := make(chan struct{})
	if *watchStdin {
		go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdinClosed) }()
	}
	restarts := 0
	for {
		select {
		case <-stop:
			return nil
		case <-stdinClosed:
			return nil
		case <-restart:
			// Tests use this to prove that clients survive an apiserver restart: same port, same data.
			api.stop()
			if err := api.start(); err != nil {
				return err
			}
			if err := waitReady(client, serverURL, 3*time.Minute, api); err != nil {
				return fmt.Errorf("apiserver did not come back after restart: %w", err)
			}
			restarts++
			// Written after /readyz answers, so a waiting test knows the new apiserver serves.
			_ = os.WriteFile(filepath.Join(*dir, "apiserver-restarts"), []byte(strconv.Itoa(restarts)), 0o600)
			fmt.Fprintf(os.Stderr, "kube-cluster: apiserver restarted (pid %d)\n", api.pid())
		case <-api.exited():
			if !api.stopping() {
				return fmt.Errorf("apiserver exited unexpectedly (log: %s)", api.log)
			}
		}
	}
}

// kubernetesVersion is stamped by the build (-ldflags -X main.kubernetesVersion=...).
var kubernetesVersion = "unknown"

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startEtcd(dataDir, logFile string) (*embed.Etcd, string, error) {
	cfg := embed.NewConfig()
	cfg.Dir = dataDir
	cfg.UnsafeNoFsync = true
	cfg.LogLevel = "warn"
	cfg.LogOutputs = []string{logFile}
	clientPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.Name + "=" + peerURL.String()
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, "", fmt.Errorf("etcd not ready after 60s")
	}
	return e, clientURL.String(), nil
}

func adminClient(pki *pkiFiles) (*http.Client, error) {
	ca, err := os.ReadFile(pki.ServingCACert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	cert, err := tls.LoadX509KeyPair(pki.AdminCert, pki.AdminKey)
	if err != nil {
		return nil, err
	}
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}},
	}, nil
}

func waitReady(client *http.Client, serverURL string, timeout time.Duration, api *child) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, serverURL+"/readyz", nil)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("last answer: %s", last)
		case <-api.exited():
			return fmt.Errorf("apiserver process exited")
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// child is a component running as a subprocess of this binary, killed if this process dies.
type child struct {
	name, path, log string
	args            []string

	mu         sync.Mutex
	cmd        *exec.Cmd
	done       chan struct{}
	isStopping bool
}

func (c *child) start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	logFile, err := os.OpenFile(c.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(c.path, c.args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("starting %s: %w", c.name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logFile.Close(); close(done) }()
	c.cmd, c.done, c.isStopping = cmd, done, false
	return nil
}

func (c *child) stop() {
	c.mu.Lock()
	cmd, done := c.cmd, c.done
	c.isStopping = true
	c.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func (c *child) exited() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

func (c *child) stopping() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.isStopping
}

func (c *child) pid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil || c.cmd.Process == nil {
		return 0
	}
	return c.cmd.Process.Pid
}
