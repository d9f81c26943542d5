package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pkiFiles are the paths of everything the control plane and its clients need.
type pkiFiles struct {
	ServingCACert, ServingCert, ServingKey string
	ClientCACert, ClientCAKey              string
	AdminCert, AdminKey                    string
	SAPublic, SAPrivate                    string
}

type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func writePKI(dir string) (*pkiFiles, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &pkiFiles{
		ServingCACert: filepath.Join(dir, "serving-ca.crt"),
		ServingCert:   filepath.Join(dir, "serving.crt"),
		ServingKey:    filepath.Join(dir, "serving.key"),
		ClientCACert:  filepath.Join(dir, "client-ca.crt"),
		ClientCAKey:   filepath.Join(dir, "client-ca.key"),
		AdminCert:     filepath.Join(dir, "admin.crt"),
		AdminKey:      filepath.Join(dir, "admin.key"),
		SAPublic:      filepath.Join(dir, "sa.pub"),
		SAPrivate:     filepath.Join(dir, "sa.key"),
	}
	servingCA, err := newAuthority("kube-cluster serving CA", p.ServingCACert, "")
	if err != nil {
		return nil, err
	}
	if err := servingCA.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1"), net.ParseIP("10.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, p.ServingCert, p.ServingKey); err != nil {
		return nil, err
	}
	clientCA, err := newAuthority("kube-cluster client CA", p.ClientCACert, p.ClientCAKey)
	if err != nil {
		return nil, err
	}
	if err := clientCA.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, p.AdminCert, p.AdminKey); err != nil {
		return nil, err
	}
	if err := writeServiceAccountKeys(p.SAPrivate, p.SAPublic); err != nil {
		return nil, err
	}
	return p, nil
}

func newAuthority(name, certPath, keyPath string) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	if err := writePEM(certPath, "CERTIFICATE", der); err != nil {
		return nil, err
	}
	if keyPath != "" {
		if err := writeECKey(keyPath, key); err != nil {
			return nil, err
		}
	}
	return &authority{cert: cert, key: key}, nil
}

func (a *authority) issue(tmpl *x509.Certificate, certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl.SerialNumber = serial()
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(10 * 365 * 24 * time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return err
	}
	if err := writePEM(certPath, "CERTIFICATE", der); err != nil {
		return err
	}
	return writeECKey(keyPath, key)
}

// writeServiceAccountKeys writes an RSA pair: the apiserver signs ServiceAccount tokens (TokenRequest)
// with the private half and verifies them with the public half.
func writeServiceAccountKeys(privatePath, publicPath string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	if err := writePEM(privatePath, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)); err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	return writePEM(publicPath, "PUBLIC KEY", pub)
}

func writeECKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(path, "EC PRIVATE KEY", der)
}

func writePEM(path, kind string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

func writeKubeconfig(path, server string, p *pkiFiles) error {
	read := func(f string) (string, error) {
		b, err := os.ReadFile(f)
		return base64.StdEncoding.EncodeToString(b), err
	}
	ca, err := read(p.ServingCACert)
	if err != nil {
		return err
	}
	cert, err := read(p.AdminCert)
	if err != nil {
		return err
	}
	key, err := read(p.AdminKey)
	if err != nil {
		return err
	}
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: admin
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: local
  context:
    cluster: local
    user: admin
current-context: local
`, server, ca, cert, key)
	return os.WriteFile(path, []byte(cfg), 0o600)
}
